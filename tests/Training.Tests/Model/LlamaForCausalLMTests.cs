using LlmFramework.Formats.Safetensors;
using LlmFramework.Training.Model;
using LlmFramework.Training.Tests.Support;
using static TorchSharp.torch;

namespace LlmFramework.Training.Tests.Model;

/// <summary>The training model has Hugging Face LLaMA's parameter names and shapes, and saves exactly those.</summary>
public sealed class LlamaForCausalLMTests
{
    private static readonly LlamaTrainingConfig Config = new() { Dim = 32, Layers = 2, Heads = 4, KvHeads = 2, FeedForward = 48, VocabSize = 300, ContextLength = 16 };

    private static Dictionary<string, long[]> ExpectedShapes(LlamaTrainingConfig c)
    {
        var shapes = new Dictionary<string, long[]> { ["model.embed_tokens.weight"] = [c.VocabSize, c.Dim], ["model.norm.weight"] = [c.Dim] };
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"model.layers.{l}.";
            shapes[p + "input_layernorm.weight"] = [c.Dim];
            shapes[p + "post_attention_layernorm.weight"] = [c.Dim];
            shapes[p + "self_attn.q_proj.weight"] = [c.Heads * c.HeadDim, c.Dim];
            shapes[p + "self_attn.k_proj.weight"] = [c.KvHeads * c.HeadDim, c.Dim];
            shapes[p + "self_attn.v_proj.weight"] = [c.KvHeads * c.HeadDim, c.Dim];
            shapes[p + "self_attn.o_proj.weight"] = [c.Dim, c.Heads * c.HeadDim];
            shapes[p + "mlp.gate_proj.weight"] = [c.FeedForward, c.Dim];
            shapes[p + "mlp.up_proj.weight"] = [c.FeedForward, c.Dim];
            shapes[p + "mlp.down_proj.weight"] = [c.Dim, c.FeedForward];
        }

        if (!c.TiedEmbeddings)
        {
            shapes["lm_head.weight"] = [c.VocabSize, c.Dim];
        }

        return shapes;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Parameters_have_the_hugging_face_names_and_shapes(bool tied)
    {
        LlamaTrainingConfig config = Config with { TiedEmbeddings = tied };
        using var model = new LlamaForCausalLM(config);
        Dictionary<string, Tensor> parameters = WeightFiles.Parameters(model);
        Dictionary<string, long[]> expected = ExpectedShapes(config);
        Assert.Equal(expected.Keys.Order(), parameters.Keys.Order());
        foreach ((string name, long[] shape) in expected)
        {
            Assert.Equal(shape, parameters[name].shape);
        }

        Assert.Equal(config.ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void A_saved_checkpoint_holds_exactly_the_hugging_face_tensors()
    {
        using var folder = new TempFolder();
        using var model = new LlamaForCausalLM(Config);
        string path = folder.Combine("model.safetensors");
        WeightFiles.Save(model, path, Abstractions.Tensors.DType.F32);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        Assert.Equal(ExpectedShapes(Config).Keys.Order(), file.Tensors.Select(t => t.Name).Order());
    }

    [Fact]
    public void Weights_round_trip_through_safetensors()
    {
        using var folder = new TempFolder();
        using var a = new LlamaForCausalLM(Config);
        using var b = new LlamaForCausalLM(Config);
        string path = folder.Combine("model.safetensors");
        WeightFiles.Save(a, path, Abstractions.Tensors.DType.F32);
        WeightFiles.Load(b, path);
        using Tensor ids = tensor(new long[] { 1, 5, 9, 200, 3, 7 }, [1, 6]);
        using Tensor la = a.forward(ids), lb = b.forward(ids);
        Assert.Equal(0, (la - lb).abs().max().item<float>());
    }

    [Fact]
    public void Logits_at_a_position_do_not_depend_on_later_tokens()
    {
        using var model = new LlamaForCausalLM(Config);
        model.eval();
        using Tensor full = model.forward(tensor(new long[] { 1, 5, 9, 200, 3, 7 }, [1, 6]));
        using Tensor prefix = model.forward(tensor(new long[] { 1, 5, 9 }, [1, 3]));
        float difference = (full.narrow(1, 0, 3) - prefix).abs().max().item<float>();
        Assert.True(difference < 1e-5f, $"causal mask leaks: {difference}");
    }

    [Fact]
    public void A_missing_tensor_is_named_with_the_file()
    {
        using var folder = new TempFolder();
        using var untied = new LlamaForCausalLM(Config with { TiedEmbeddings = false });
        using var tied = new LlamaForCausalLM(Config);
        string path = folder.Combine("model.safetensors");
        WeightFiles.Save(tied, path, Abstractions.Tensors.DType.F16);
        var ex = Assert.Throws<InvalidDataException>(() => WeightFiles.Load(untied, path));
        Assert.Contains("'lm_head.weight' is missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_another_shape_is_named_with_both_shapes()
    {
        using var folder = new TempFolder();
        using var small = new LlamaForCausalLM(Config);
        using var wide = new LlamaForCausalLM(Config with { FeedForward = 64 });
        string path = folder.Combine("model.safetensors");
        WeightFiles.Save(small, path, Abstractions.Tensors.DType.F32);
        var ex = Assert.Throws<InvalidDataException>(() => WeightFiles.Load(wide, path));
        Assert.Contains("mlp.gate_proj.weight' has shape [48, 32], the model expects [64, 32]", ex.Message, StringComparison.Ordinal);
    }
}
