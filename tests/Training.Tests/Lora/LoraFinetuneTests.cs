using System.Text.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Training.Lora;
using LlmFramework.Training.Model;
using LlmFramework.Training.Tests.Support;
using LlmFramework.Training.Training;
using static TorchSharp.torch;

namespace LlmFramework.Training.Tests.Lora;

/// <summary>
/// LoRA fine-tuning: a fresh adapter changes nothing, training lowers the target text's perplexity, the adapter is
/// written in PEFT's layout, and the engine applying it (merged or not) gives the trainer's figure. The base is the
/// repository's default model (read, never written).
/// </summary>
public sealed class LoraFinetuneTests : IDisposable
{
    private const string Target = "Day 1. Wind north, a gentle breeze; clear sky. Course south. Sighted a whale off the lee bow.\n";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string TargetText()
    {
        var random = new Random(5);
        string[] winds = ["north", "south", "east", "west"];
        string[] skies = ["clear sky", "overcast", "rain"];
        var lines = Enumerable.Range(1, 120).Select(d => $"Day {d}. Wind {winds[random.Next(4)]}, a gentle breeze; {skies[random.Next(3)]}. Course south. Sighted a whale off the lee bow.\n");
        return _folder.WriteText("log.txt", string.Concat(lines));
    }

    private LoraOptions Options(string? text = null, string? chat = null, string output = "adapter") => new()
    {
        BaseModel = TestPaths.DefaultModel,
        Text = text,
        Chat = chat,
        Output = _folder.Combine(output),
        CheckpointDirectory = _folder.Combine(output + "-checkpoint"),
        Rank = 4,
        Alpha = 8,
        Dropout = 0,
        TargetModules = ["q_proj", "v_proj", "gate_proj", "up_proj", "down_proj"],
        HeldOutFraction = 0.2,
        BatchSize = 4,
        SequenceLength = 64,
        Threads = 1,
        Loop = new LoopSettings { Steps = 20, LearningRate = 1e-2, MinLearningRate = 1e-3, WarmupSteps = 2, EvalEvery = 0, CheckpointEvery = 10 },
    };

    [Fact]
    public void A_fresh_adapter_leaves_the_output_unchanged()
    {
        using LlamaForCausalLM model = BaseModelFolder.LoadModel(TestPaths.DefaultModel);
        model.eval();
        using Tensor ids = tensor(new long[] { 1, 40, 50, 60, 70 }, [1, 5]);
        using Tensor before = model.forward(ids);
        foreach ((_, AdaptableLinear layer) in model.Projections)
        {
            layer.AttachAdapter(4, 8, 0);
        }

        using Tensor after = model.forward(ids);
        Assert.Equal(0, (after - before).abs().max().item<float>());
    }

    [Fact]
    public void Fine_tuning_lowers_the_perplexity_of_the_target_text_and_the_engine_serves_the_change()
    {
        (double Before, double After) result = LoraFinetuneRun.Run(Options(TargetText()), TextWriter.Null) ?? throw new InvalidOperationException("stopped early");
        Assert.True(result.After < result.Before * 0.5, $"perplexity {result.Before} -> {result.After}");

        string adapter = _folder.Combine("adapter");
        string heldOut = File.ReadAllText(Path.Combine(adapter, "heldout.txt"));
        double basePpl = EngineScoring.Perplexity(TestPaths.DefaultModel, heldOut, 64);
        double merged = EngineScoring.Perplexity(TestPaths.DefaultModel, heldOut, 64, [new AdapterSpec(adapter, AdapterMode.Merged)]);
        double unmerged = EngineScoring.Perplexity(TestPaths.DefaultModel, heldOut, 64, [new AdapterSpec(adapter, AdapterMode.Unmerged)]);
        Assert.True(Math.Abs(basePpl - result.Before) / result.Before < 0.01, $"engine base {basePpl} vs trainer {result.Before}");
        Assert.True(Math.Abs(merged - result.After) / result.After < 0.01, $"engine merged {merged} vs trainer {result.After}");
        Assert.True(Math.Abs(unmerged - result.After) / result.After < 0.01, $"engine unmerged {unmerged} vs trainer {result.After}");
        Assert.NotEqual(EngineScoring.Greedy(TestPaths.DefaultModel, "Day 7. Wind", 12), EngineScoring.Greedy(TestPaths.DefaultModel, "Day 7. Wind", 12, [new AdapterSpec(adapter)]));
    }

    [Fact]
    public void The_adapter_is_written_in_the_peft_layout()
    {
        LoraFinetuneRun.Run(Options(TargetText()) with { Loop = Options().Loop with { Steps = 4, WarmupSteps = 1 } }, TextWriter.Null);
        string adapter = _folder.Combine("adapter");
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")));
        Assert.Equal("LORA", config.RootElement.GetProperty("peft_type").GetString());
        Assert.Equal(4, config.RootElement.GetProperty("r").GetInt32());
        Assert.Equal(8, config.RootElement.GetProperty("lora_alpha").GetDouble());
        Assert.Equal(["q_proj", "v_proj", "gate_proj", "up_proj", "down_proj"], config.RootElement.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
        using SafetensorsFile weights = SafetensorsFile.Open(Path.Combine(adapter, "adapter_model.safetensors"));
        Assert.Equal(2 * 5 * 6, weights.Tensors.Count);
        Assert.Equal(new long[] { 4, 256 }, weights.GetInfo("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").Shape);
        Assert.Equal(new long[] { 256, 4 }, weights.GetInfo("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").Shape);
        Assert.Equal(new long[] { 256, 4 }, weights.GetInfo("base_model.model.model.layers.5.mlp.down_proj.lora_B.weight").Shape);
        Assert.Equal(new long[] { 4, 688 }, weights.GetInfo("base_model.model.model.layers.5.mlp.down_proj.lora_A.weight").Shape);
    }

    [Fact]
    public void Chat_data_trains_on_the_assistant_turns()
    {
        string chat = _folder.WriteText("chat.jsonl", string.Concat(Enumerable.Range(0, 30).Select(i =>
            JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = $"What is the weather on day {i}?" }, new { role = "assistant", content = Target } } }) + "\n")));
        (double Before, double After) result = LoraFinetuneRun.Run(Options(chat: chat, output: "chat-adapter"), TextWriter.Null) ?? throw new InvalidOperationException("stopped early");
        Assert.True(result.After < result.Before * 0.5, $"perplexity of the assistant turns {result.Before} -> {result.After}");
    }

    [Theory]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "has no assistant message")]
    [InlineData("{\"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", "needs a \"role\"")]
    [InlineData("{\"turns\": []}", "expected an object with a \"messages\" array")]
    [InlineData("{not json", "not valid JSON")]
    public void A_bad_chat_line_is_named_with_its_line_number(string line, string problem)
    {
        string good = JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = "a" }, new { role = "assistant", content = "b" } } });
        string chat = _folder.WriteText("bad.jsonl", good + "\n" + line + "\n");
        var ex = Assert.Throws<ArgumentException>(() => LoraFinetuneRun.Run(Options(chat: chat), TextWriter.Null));
        Assert.Contains($"{chat}:2:", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_fine_tuning_settings_are_named()
    {
        string text = TargetText();
        Assert.Contains("exactly one of --text", Assert.Throws<ArgumentException>(() => LoraFinetuneRun.Run(Options(text, chat: text), TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("--targets: 'lm_head'", Assert.Throws<ArgumentException>(() => LoraFinetuneRun.Run(Options(text) with { TargetModules = ["lm_head"] }, TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("--rank must be at least 1", Assert.Throws<ArgumentException>(() => LoraFinetuneRun.Run(Options(text) with { Rank = 0 }, TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("is not a folder", Assert.Throws<ArgumentException>(() => LoraFinetuneRun.Run(Options(text) with { BaseModel = _folder.Combine("nothing") }, TextWriter.Null)).Message, StringComparison.Ordinal);
        Assert.Contains("config.json is missing", Assert.Throws<ArgumentException>(() => LoraFinetuneRun.Run(Options(text) with { BaseModel = _folder.Path }, TextWriter.Null)).Message, StringComparison.Ordinal);
    }
}
