namespace LlmFramework.Quantization.Tests;

public sealed class HalfConversionTests
{
    [Theory]
    [InlineData(1f, 0x3C00)]
    [InlineData(-2f, 0xC000)]
    [InlineData(65504f, 0x7BFF)]
    [InlineData(1e6f, 0x7C00)]
    [InlineData(5.9604645e-8f, 0x0001)]
    [InlineData(1.00048828125f, 0x3C00)] // exactly half an ulp above 1: ties to even (down)
    [InlineData(1.00146484375f, 0x3C02)] // one and a half ulps: ties to even (up)
    public void Single_to_half_rounds_to_nearest_even(float value, int bits)
    {
        Assert.Equal((ushort)bits, HalfConversion.SingleToHalf(value));
    }

    [Fact]
    public void Every_finite_half_survives_a_round_trip_through_float()
    {
        for (int bits = 0; bits < 0x10000; bits++)
        {
            if ((bits & 0x7C00) == 0x7C00)
            {
                continue;
            }

            Assert.Equal((ushort)bits, HalfConversion.SingleToHalf(HalfConversion.HalfToSingle((ushort)bits)));
        }
    }

    [Theory]
    [InlineData(0x3F800000u, 0x3F80)]
    [InlineData(0x3F808000u, 0x3F80)] // tie, even stays
    [InlineData(0x3F818000u, 0x3F82)] // tie, odd rounds up
    [InlineData(0x3F808001u, 0x3F81)] // above the tie rounds up
    [InlineData(0x7F7FFFFFu, 0x7F80)] // max float rounds to infinity
    [InlineData(0xFF800000u, 0xFF80)] // -infinity
    public void Single_to_bf16_rounds_to_nearest_even(uint floatBits, int expected)
    {
        Assert.Equal((ushort)expected, HalfConversion.SingleToBF16(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Fact]
    public void Bf16_nan_stays_nan_and_bf16_widens_exactly()
    {
        Assert.True(float.IsNaN(HalfConversion.BF16ToSingle(HalfConversion.SingleToBF16(float.NaN))));
        Assert.Equal(BitConverter.UInt32BitsToSingle(0xC0490000u), HalfConversion.BF16ToSingle(0xC049));
    }

    [Fact]
    public void Span_conversions_match_scalar_ones_and_check_lengths()
    {
        float[] values = [0f, 1.5f, -3.25f, 1e-3f, 7e4f];
        var halves = new ushort[5];
        var back = new float[5];
        HalfConversion.SingleToHalf(values, halves);
        HalfConversion.HalfToSingle(halves, back);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(HalfConversion.SingleToHalf(values[i]), halves[i]);
            Assert.Equal(HalfConversion.HalfToSingle(halves[i]), back[i]);
        }

        HalfConversion.SingleToBF16(values, halves);
        HalfConversion.BF16ToSingle(halves, back);
        Assert.Equal(1.5f, back[1]);
        Assert.Throws<ArgumentException>(() => HalfConversion.SingleToHalf(values, new ushort[4]));
    }
}
