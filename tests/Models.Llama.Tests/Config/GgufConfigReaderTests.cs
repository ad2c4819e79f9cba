using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Config;

public sealed class GgufConfigReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private LlamaConfig Read(Action<GgufWriter>? extra = null, bool withKvHeads = true, bool withOutput = false)
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "llama");
        w.AddUInt32("llama.context_length", 2048);
        w.AddUInt32("llama.embedding_length", 64);
        w.AddUInt32("llama.block_count", 3);
        w.AddUInt32("llama.feed_forward_length", 160);
        w.AddUInt32("llama.attention.head_count", 8);
        if (withKvHeads)
        {
            w.AddUInt32("llama.attention.head_count_kv", 2);
        }

        w.AddFloat32("llama.attention.layer_norm_rms_epsilon", 1e-6f);
        w.AddStringArray("tokenizer.ggml.tokens", Enumerable.Range(0, 300).Select(i => $"t{i}").ToArray());
        extra?.Invoke(w);
        if (withOutput)
        {
            w.AddTensor("output.weight", DType.F32, [300, 64], new byte[300 * 64 * 4]);
        }

        string path = _folder.File("m.gguf");
        w.WriteTo(path);
        using GgufFile file = GgufFile.Open(path);
        return GgufConfigReader.Read(file);
    }

    [Fact]
    public void Reads_llama_metadata_with_defaults()
    {
        LlamaConfig c = Read();
        Assert.Equal("llama", c.Architecture);
        Assert.Equal(64, c.HiddenSize);
        Assert.Equal(160, c.IntermediateSize);
        Assert.Equal(3, c.LayerCount);
        Assert.Equal(8, c.HeadCount);
        Assert.Equal(2, c.KvHeadCount);
        Assert.Equal(8, c.HeadDim);
        Assert.Equal(8, c.RotaryDim);
        Assert.Equal(300, c.VocabSize);
        Assert.Equal(2048, c.MaxPositionEmbeddings);
        Assert.Equal(1e-6f, c.RmsNormEpsilon);
        Assert.Equal(10000f, c.RopeTheta);
        Assert.True(c.TieWordEmbeddings);
        Assert.Null(c.RopeScaling);
    }

    [Fact]
    public void Explicit_values_override_defaults()
    {
        LlamaConfig c = Read(
            w =>
            {
                w.AddFloat32("llama.rope.freq_base", 500000f);
                w.AddUInt32("llama.rope.dimension_count", 4);
                w.AddUInt32("llama.vocab_size", 320);
            },
            withKvHeads: false,
            withOutput: true);
        Assert.Equal(8, c.KvHeadCount);
        Assert.Equal(500000f, c.RopeTheta);
        Assert.Equal(4, c.RotaryDim);
        Assert.Equal(320, c.VocabSize);
        Assert.False(c.TieWordEmbeddings);
    }

    [Fact]
    public void Reads_linear_scaling()
    {
        LlamaConfig c = Read(w =>
        {
            w.AddString("llama.rope.scaling.type", "linear");
            w.AddFloat32("llama.rope.scaling.factor", 4f);
        });
        Assert.Equal(new RopeScaling("linear", 4f), c.RopeScaling);
    }

    [Fact]
    public void Reads_yarn_scaling()
    {
        LlamaConfig c = Read(w =>
        {
            w.AddString("llama.rope.scaling.type", "yarn");
            w.AddFloat32("llama.rope.scaling.factor", 4f);
            w.AddUInt32("llama.rope.scaling.original_context_length", 512);
        });
        Assert.Equal(new RopeScaling("yarn", 4f, OriginalMaxPositions: 512), c.RopeScaling);
    }

    [Fact]
    public void Reads_llama3_frequency_factors_from_rope_freqs_tensor()
    {
        float[] factors = [1f, 2f, 4f, 8f];
        LlamaConfig c = Read(w => w.AddTensor("rope_freqs.weight", DType.F32, [4], factors.SelectMany(BitConverter.GetBytes).ToArray()));
        Assert.Equal(factors, c.RopeFrequencyFactors);
        (float[] inv, _) = RopeFrequencies.Compute(c);
        Assert.Equal(1f / 8, inv[3] / (float)Math.Pow(10000, -6.0 / 8), 5);
    }

    [Fact]
    public void None_scaling_type_means_no_scaling()
    {
        Assert.Null(Read(w => w.AddString("llama.rope.scaling.type", "none")).RopeScaling);
    }

    [Fact]
    public void Unknown_rope_type_is_a_clear_error()
    {
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => Read(w => w.AddString("llama.rope.scaling.type", "longrope")));
        Assert.EndsWith("m.gguf", e.FilePath);
        Assert.Contains("llama.rope.scaling.type type 'longrope' is not supported", e.Message);
    }

    [Fact]
    public void Missing_key_is_named()
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", "llama");
        w.AddUInt32("llama.embedding_length", 64);
        string path = _folder.File("bad.gguf");
        w.WriteTo(path);
        using GgufFile file = GgufFile.Open(path);
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => GgufConfigReader.Read(file));
        Assert.Contains("bad.gguf", e.Message);
        Assert.Contains("llama.attention.head_count", e.Message);
    }

    [Fact]
    public void Zero_key_length_is_rejected()
    {
        ModelLoadException e = Assert.Throws<ModelLoadException>(() => Read(w => w.AddUInt32("llama.attention.key_length", 0)));
        Assert.Contains("must be positive", e.Message);
    }
}
