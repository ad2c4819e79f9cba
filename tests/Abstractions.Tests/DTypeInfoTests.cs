using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Tests;

public sealed class DTypeInfoTests
{
    [Theory]
    [InlineData(DType.F32, 1, 4, 0)]
    [InlineData(DType.F16, 1, 2, 1)]
    [InlineData(DType.BF16, 1, 2, 30)]
    [InlineData(DType.Q8_0, 32, 34, 8)]
    [InlineData(DType.Q4_0, 32, 18, 2)]
    [InlineData(DType.Q4_K, 256, 144, 12)]
    [InlineData(DType.Q6_K, 256, 210, 14)]
    [InlineData(DType.I32, 1, 4, 26)]
    public void Block_geometry_and_ggml_ids_are_ggmls(DType type, int blockSize, int blockBytes, int ggml)
    {
        Assert.Equal(blockSize, DTypeInfo.BlockSize(type));
        Assert.Equal(blockBytes, DTypeInfo.BlockBytes(type));
        Assert.Equal(ggml, DTypeInfo.ToGgmlType(type));
        Assert.True(DTypeInfo.TryFromGgmlType(ggml, out DType back));
        Assert.Equal(type, back);
        Assert.True(DTypeInfo.TryParse(DTypeInfo.Name(type).ToUpperInvariant(), out DType parsed));
        Assert.Equal(type, parsed);
    }

    [Fact]
    public void Row_bytes_need_whole_blocks()
    {
        Assert.Equal(2 * 34, DTypeInfo.RowBytes(DType.Q8_0, 64));
        Assert.Equal(0, DTypeInfo.RowBytes(DType.Q4_K, 0));
        Assert.Contains("multiple of 32", Assert.Throws<ArgumentException>(() => DTypeInfo.RowBytes(DType.Q4_0, 33)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(13)]
    [InlineData(99)]
    public void Ggml_types_outside_the_contract_are_not_mapped(int ggml) => Assert.False(DTypeInfo.TryFromGgmlType(ggml, out _));

    [Fact]
    public unsafe void A_weight_whose_bytes_disagree_with_its_shape_is_refused()
    {
        byte* data = stackalloc byte[64];
        var ok = new WeightTensor("w", DType.F32, [4, 4], data, 64);
        Assert.Equal(4, ok.Rows);
        Assert.Equal(16, ok.Row(3).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => ok.Row(4));
        Assert.Contains("'w'", Assert.Throws<ArgumentException>(() => new WeightTensor("w", DType.F32, [4, 4], data, 60)).Message, StringComparison.Ordinal);
    }
}
