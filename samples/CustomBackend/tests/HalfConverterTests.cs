using Contoso.LlmBackend.Kernels;

namespace Contoso.LlmBackend.Tests;

/// <summary>The vector F16 widening against the runtime's scalar conversion, for every one of the 65,536 bit patterns.</summary>
public sealed class HalfConverterTests
{
    [Fact]
    public void Widens_every_half_exactly_like_the_runtime_including_subnormals_infinities_and_nans()
    {
        ushort[] all = Enumerable.Range(0, 65536).Select(i => (ushort)i).ToArray();
        var widened = new float[all.Length];

        HalfConverter.ToSingle(all, widened);

        for (int i = 0; i < all.Length; i++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf(all[i]);
            bool same = float.IsNaN(expected) ? float.IsNaN(widened[i]) : BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(widened[i]);
            Assert.True(same, $"0x{all[i]:X4}: expected {expected}, got {widened[i]}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(33)]
    public void Converts_tails_shorter_than_a_vector(int length)
    {
        ushort[] halves = Enumerable.Range(0, length).Select(i => BitConverter.HalfToUInt16Bits((Half)(i - 7.25f))).ToArray();
        var widened = new float[length + 1];
        widened[length] = 42;

        HalfConverter.ToSingle(halves, widened.AsSpan(0, length));

        Assert.Equal(Enumerable.Range(0, length).Select(i => i - 7.25f), widened.Take(length));
        Assert.Equal(42, widened[length]);
    }
}
