using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.DeepSeek.TestModels;

namespace LlmFramework.Models.DeepSeek.Tests.TestModels;

public sealed class DeepSeekTestModelSpecErrorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-deepseek-testmodel-errors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Refused(TestModelSpec spec)
    {
        string path = Path.Combine(_dir, "m.gguf");
        var e = Assert.Throws<ArgumentException>(() => DeepSeekTestModelWriter.Write(spec, CheckpointFormat.Gguf, path));
        Assert.False(File.Exists(path));
        return e.Message;
    }

    [Theory]
    [InlineData("rope-original-context=64", "--rope-original-context needs --rope-scaling-factor")]
    [InlineData("rope-scaling-factor=0.5", "--rope-scaling-factor (0.5) must be at least 1")]
    [InlineData("rope-scaling-factor=4;rope-original-context=-3", "--rope-original-context '-3' is not a positive integer")]
    [InlineData("expert-groups=3", "--expert-groups = 3 does not divide --experts = 8")]
    [InlineData("expert-groups=4;expert-groups-used=4", "--expert-groups-used must be in [1, --expert-groups = 4)")]
    [InlineData("expert-groups-used=2", "--expert-groups-used must be 1 when --expert-groups is 1")]
    [InlineData("experts-per-token=9", "--experts-per-token must be in [1, --experts = 8], got 9")]
    [InlineData("dense-layers=3", "--dense-layers must be in [0, --layers = 2], got 3")]
    [InlineData("qk-rope-dim=7", "--qk-rope-dim must be a positive even number")]
    [InlineData("kv-lora-rank=0", "--kv-lora-rank must be positive, got 0")]
    [InlineData("experts=0", "--experts must be positive for the 1 MoE layers, got 0")]
    [InlineData("experts=-1", "--experts '-1' is not a non-negative integer")]
    [InlineData("q-lora-rank=x", "--q-lora-rank 'x' is not a non-negative integer")]
    [InlineData("gating=relu", "--gating 'relu' is not softmax or sigmoid")]
    [InlineData("norm-topk-prob=maybe", "--norm-topk-prob 'maybe' is not true or false")]
    [InlineData("routed-scaling-factor=x", "--routed-scaling-factor 'x' is not a number")]
    [InlineData("routed-scaling-factor=0", "--routed-scaling-factor must be a positive number, got 0")]
    [InlineData("kv-heads=2", "unknown deepseek2 setting 'kv-heads' (known: q-lora-rank, kv-lora-rank,")]
    public void A_bad_setting_is_refused_naming_the_flag(string extra, string message)
    {
        Assert.Contains(message, Refused(DeepSeekTestModelFiles.Spec(extra)), StringComparison.Ordinal);
    }

    [Fact]
    public void Common_fields_that_do_not_fit_are_refused_naming_the_flag()
    {
        TestModelSpec spec = DeepSeekTestModelFiles.Spec();
        Assert.Contains("--tied does not apply", Refused(spec with { TiedEmbeddings = true }), StringComparison.Ordinal);
        Assert.Contains("--vocab (100) must be at least 259", Refused(spec with { VocabSize = 100 }), StringComparison.Ordinal);
        Assert.Contains("--heads must be positive, got 0", Refused(spec with { Heads = 0 }), StringComparison.Ordinal);
        Assert.Contains("writes architecture 'deepseek2', not 'llama'", Refused(spec with { Architecture = "llama" }), StringComparison.Ordinal);
        Assert.Contains("i32 is not a weight type", Refused(spec with { DType = DType.I32 }), StringComparison.Ordinal);
    }

    [Fact]
    public void A_hugging_face_folder_in_a_quantised_type_is_not_supported()
    {
        var e = Assert.Throws<NotSupportedException>(() => DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec(type: DType.Q8_0), CheckpointFormat.HuggingFaceFolder, Path.Combine(_dir, "hf")));
        Assert.Contains("use --format gguf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_layer_dense_and_no_dense_layer_are_both_allowed()
    {
        DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec("dense-layers=2"), CheckpointFormat.Gguf, Path.Combine(_dir, "dense.gguf"));
        DeepSeekTestModelWriter.Write(DeepSeekTestModelFiles.Spec("dense-layers=0"), CheckpointFormat.Gguf, Path.Combine(_dir, "moe.gguf"));
        Assert.True(File.Exists(Path.Combine(_dir, "dense.gguf")) && File.Exists(Path.Combine(_dir, "moe.gguf")));
    }
}
