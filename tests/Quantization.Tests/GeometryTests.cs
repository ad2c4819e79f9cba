using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Quantization.Tests;

public sealed class GeometryTests
{
    [Theory]
    [InlineData(DType.F32, 4, 4)]
    [InlineData(DType.F16, 2, 2)]
    [InlineData(DType.BF16, 2, 2)]
    [InlineData(DType.Q8_0, 32, 34)]
    [InlineData(DType.Q4_0, 32, 18)]
    [InlineData(DType.Q4_K, 256, 144)]
    [InlineData(DType.Q6_K, 256, 210)]
    public void Encoded_size_is_row_bytes(DType type, int blockValues, int blockBytes)
    {
        int count = type is DType.F32 or DType.F16 or DType.BF16 ? 4 : blockValues * 3;
        byte[] encoded = BlockQuantizer.Quantize(type, new float[count]);
        Assert.Equal(count / (type is DType.F32 or DType.F16 or DType.BF16 ? 1 : blockValues) * blockBytes, encoded.Length);
        Assert.Equal(DTypeInfo.RowBytes(type, count), encoded.Length);
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void Empty_input_gives_empty_output(DType type)
    {
        Assert.Empty(BlockQuantizer.Quantize(type, ReadOnlySpan<float>.Empty));
        BlockQuantizer.Dequantize(type, ReadOnlySpan<byte>.Empty, Span<float>.Empty);
    }

    [Theory]
    [InlineData(DType.Q8_0, 33)]
    [InlineData(DType.Q4_0, 31)]
    [InlineData(DType.Q4_K, 128)]
    [InlineData(DType.Q6_K, 257)]
    public void Lengths_that_are_not_whole_blocks_throw(DType type, int count)
    {
        var ex = Assert.Throws<ArgumentException>(() => BlockQuantizer.Quantize(type, new float[count]));
        Assert.Contains("multiple", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BlockQuantizer.Dequantize(type, new byte[DTypeInfo.BlockBytes(type)], new float[count]));
    }

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q6_K)]
    public void Wrong_byte_counts_throw(DType type)
    {
        int count = DTypeInfo.BlockSize(type) * 2;
        long bytes = DTypeInfo.RowBytes(type, count);
        Assert.Throws<ArgumentException>(() => BlockQuantizer.Quantize(type, new float[count], new byte[bytes - 1]));
        Assert.Throws<ArgumentException>(() => BlockQuantizer.Quantize(type, new float[count], new byte[bytes + 1]));
        Assert.Throws<ArgumentException>(() => BlockQuantizer.Dequantize(type, new byte[bytes + 1], new float[count]));
    }

    [Fact]
    public void I32_is_not_a_quantisable_type()
    {
        Assert.Throws<NotSupportedException>(() => BlockQuantizer.Quantize(DType.I32, new float[4]));
        Assert.Throws<NotSupportedException>(() => BlockQuantizer.Dequantize(DType.I32, new byte[16], new float[4]));
    }
}
