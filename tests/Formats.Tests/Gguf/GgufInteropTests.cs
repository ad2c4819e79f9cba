using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;

namespace LlmFramework.Formats.Tests.Gguf;

/// <summary>Checks against a GGUF file from an independent writer (see data/README.md).</summary>
public sealed class GgufInteropTests
{
    private static readonly string TinyLlama = Path.Combine(AppContext.BaseDirectory, "data", "tiny-llama.gguf");

    [Fact]
    public void Reads_a_file_from_another_writer()
    {
        using GgufFile f = GgufFile.Open(TinyLlama);
        Assert.Equal(3u, f.Version);
        Assert.Equal("llama", f.GetString("general.architecture"));
        Assert.Equal(2, f.GetInteger("llama.block_count"));
        Assert.Equal(1e-5f, f.GetFloat("llama.attention.layer_norm_rms_epsilon"));
        Assert.Equal(300, f.GetStringArray("tokenizer.ggml.tokens").Length);
        Assert.Equal(300, f.GetIntArray("tokenizer.ggml.token_type").Length);
        Assert.Equal(21, f.Tensors.Count);
        WeightTensor embedding = f.GetTensor("token_embd.weight");
        Assert.Equal([300L, 32L], embedding.Shape);
        Assert.Equal(DType.F32, embedding.Type);
        Assert.Equal([16L, 32L], f.GetTensor("blk.1.attn_k.weight").Shape);
    }

    [Fact]
    public void Writer_reproduces_it_byte_for_byte()
    {
        using var dir = new TempFolder();
        string copy = dir.File("copy.gguf");
        using (GgufFile f = GgufFile.Open(TinyLlama))
        {
            var w = new GgufWriter();
            foreach (KeyValuePair<string, GgufValue> kv in f.Metadata)
            {
                w.Add(kv.Key, kv.Value);
            }

            foreach (GgufTensorInfo t in f.Tensors)
            {
                w.AddTensor(t.Name, t.GgmlType, t.Shape, f.GetTensorBytes(t.Name).ToArray());
            }

            w.WriteTo(copy);
        }

        byte[] original = File.ReadAllBytes(TinyLlama);
        byte[] written = File.ReadAllBytes(copy);
        Assert.True(written.Length >= original.Length && written.Length - original.Length < 32, "only trailing padding may differ");
        Assert.True(written.AsSpan(0, original.Length).SequenceEqual(original));
        Assert.All(written[original.Length..], b => Assert.Equal(0, b));
    }
}
