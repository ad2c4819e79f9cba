using System.IO.Compression;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Quantization.Tests;

/// <summary>
/// Compares against bytes produced by ggml's own quantize_row_*_ref (see data/README.md): 64 super-blocks of
/// Gaussian values at several scales, with zeros, an all-positive and an all-negative super-block.
/// </summary>
public sealed class GgmlReferenceTests
{
    [Theory]
    [InlineData(DType.Q8_0, "q8_0")]
    [InlineData(DType.Q4_0, "q4_0")]
    [InlineData(DType.Q4_K, "q4_k")]
    [InlineData(DType.Q6_K, "q6_k")]
    public void Quantize_reproduces_ggml_reference_bytes(DType type, string name)
    {
        byte[] raw = ReadData("data");
        var values = new float[raw.Length / 4];
        Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
        byte[] expected = ReadData(name);

        byte[] actual = BlockQuantizer.Quantize(type, values);

        int blockBytes = DTypeInfo.BlockBytes(type);
        int mismatchedBlocks = 0;
        for (int b = 0; b < expected.Length / blockBytes; b++)
        {
            if (!expected.AsSpan(b * blockBytes, blockBytes).SequenceEqual(actual.AsSpan(b * blockBytes, blockBytes)))
            {
                mismatchedBlocks++;
            }
        }

        Assert.Equal(0, mismatchedBlocks);
    }

    private static byte[] ReadData(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "data", $"ggml-{name}.bin.gz");
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
