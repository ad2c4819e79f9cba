using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.TestModels;

public sealed class LlamaTestModelWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.Q4_0)]
    public void Same_spec_and_seed_give_identical_gguf_bytes(DType type)
    {
        TestModelSpec spec = TestModelFiles.SmallSpec(type);
        string a = TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "a.gguf");
        string b = TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "b.gguf");
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        string c = TestModelFiles.Write(_folder, spec with { Seed = spec.Seed + 1 }, CheckpointFormat.Gguf, "c.gguf");
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }

    [Fact]
    public void Same_spec_and_seed_give_identical_hf_folders()
    {
        TestModelSpec spec = TestModelFiles.SmallSpec(DType.BF16);
        string a = TestModelFiles.Write(_folder, spec, CheckpointFormat.HuggingFaceFolder, "a");
        string b = TestModelFiles.Write(_folder, spec, CheckpointFormat.HuggingFaceFolder, "b");
        string[] files = Directory.GetFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        Assert.Contains("model.safetensors", files);
        Assert.Contains("config.json", files);
        Assert.Contains("generation_config.json", files);
        Assert.Equal(files, Directory.GetFiles(b).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());
        foreach (string f in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, f)), File.ReadAllBytes(Path.Combine(b, f)));
        }
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    public void Hf_folders_refuse_quantised_types(DType type)
    {
        var e = Assert.Throws<NotSupportedException>(() => TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(type), CheckpointFormat.HuggingFaceFolder, "hf"));
        Assert.Contains("HF folders hold float weights; use --format gguf for quantised types", e.Message);
    }

    [Fact]
    public void Bad_specs_are_refused_with_the_reason()
    {
        Assert.Contains("heads (5) must divide dim (64)", Assert.Throws<ArgumentException>(() => TestModelFiles.Write(_folder, TestModelFiles.SmallSpec() with { Heads = 5, KvHeads = 5 }, CheckpointFormat.Gguf, "x.gguf")).Message);
        Assert.Contains("multiples of 256", Assert.Throws<ArgumentException>(() => TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(DType.Q4_K), CheckpointFormat.Gguf, "x.gguf")).Message);
        Assert.Contains("'llama'", Assert.Throws<ArgumentException>(() => TestModelFiles.Write(_folder, TestModelFiles.SmallSpec() with { Architecture = "gpt2" }, CheckpointFormat.Gguf, "x.gguf")).Message);
    }

    [Fact]
    public void K_quants_are_written_when_rows_are_whole_super_blocks()
    {
        TestModelSpec spec = TestModelFiles.SmallSpec(DType.Q6_K) with { Dim = 256, Heads = 4, KvHeads = 2, FeedForward = 256 };
        using ModelParts parts = ModelParts.OpenGguf(TestModelFiles.Write(_folder, spec, CheckpointFormat.Gguf, "k.gguf"));
        Assert.Equal(DType.Q6_K, parts.Weights.Layers[0].Query.Type);
        float[] logits = parts.Forward().Step(1, 2);
        Assert.True(ReferenceForward.StandardDeviation(logits) > 0.5);
    }
}
