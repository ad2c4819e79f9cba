using LlmFramework.Quantization;

namespace LlmFramework.Quantization.Tests;

public sealed class Fp8E4M3Tests
{
    [Theory]
    [InlineData(0x00, 0.0)]
    [InlineData(0x38, 1.0)]          // exponent 7 = bias
    [InlineData(0xB8, -1.0)]
    [InlineData(0x40, 2.0)]
    [InlineData(0x3C, 1.5)]
    [InlineData(0x7E, 448.0)]        // the largest finite value
    [InlineData(0xFE, -448.0)]
    [InlineData(0x08, 0.015625)]     // the smallest normal, 2^-6
    [InlineData(0x01, 0.001953125)]  // the smallest subnormal, 2^-9
    [InlineData(0x07, 0.013671875)]  // the largest subnormal, 7/8 * 2^-6
    [InlineData(0x78, 256.0)]        // exponent 15 is finite in the FN variant
    public void Codes_decode_to_the_values_of_the_format(int code, double expected)
    {
        Assert.Equal(expected, Fp8E4M3.ToSingle((byte)code), 0);
    }

    [Fact]
    public void Only_the_all_ones_codes_are_nan_and_values_are_ordered()
    {
        for (int code = 0; code < 256; code++)
        {
            bool nan = (code & 0x7F) == 0x7F;
            Assert.Equal(nan, float.IsNaN(Fp8E4M3.ToSingle((byte)code)));
            Assert.False(float.IsInfinity(Fp8E4M3.ToSingle((byte)code)));
        }

        // Positive codes 0x00..0x7E increase strictly; each negative code is the negation of its positive twin.
        for (int code = 1; code < 0x7F; code++)
        {
            Assert.True(Fp8E4M3.ToSingle((byte)code) > Fp8E4M3.ToSingle((byte)(code - 1)));
            Assert.Equal(-Fp8E4M3.ToSingle((byte)code), Fp8E4M3.ToSingle((byte)(code | 0x80)));
        }
    }

    [Fact]
    public void Each_value_is_scaled_by_its_blocks_scale_including_partial_edge_blocks()
    {
        // 5 x 7 with blocks of 3: scales are 2 x 3; every code is 1.0 (0x38), so the output is the block's scale.
        const int rows = 5, columns = 7, block = 3;
        byte[] codes = Enumerable.Repeat((byte)0x38, rows * columns).ToArray();
        float[] scales = [1f, 2f, 3f, 4f, 5f, 6f];
        float[] output = new float[rows * columns];
        Fp8E4M3.DequantizeBlockScaled(codes, rows, columns, scales, output, block);
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(scales[(r / block * 3) + (c / block)], output[(r * columns) + c]);
            }
        }

        codes[(4 * columns) + 6] = 0xC0; // -2.0 in the last, partial block
        Fp8E4M3.DequantizeBlockScaled(codes, rows, columns, scales, output, block);
        Assert.Equal(-12f, output[^1]);
    }

    [Fact]
    public void Wrong_scale_or_code_counts_are_named()
    {
        float[] output = new float[256 * 256];
        var error = Assert.Throws<ArgumentException>(() => Fp8E4M3.DequantizeBlockScaled(new byte[256 * 256], 256, 256, new float[3], output));
        Assert.Contains("needs 2x2 = 4 scales (weight_scale_inv), got 3", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Fp8E4M3.DequantizeBlockScaled(new byte[10], 256, 256, new float[4], output));
    }
}
