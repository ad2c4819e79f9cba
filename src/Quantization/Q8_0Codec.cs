using System.Buffers.Binary;

namespace LlmFramework.Quantization;

/// <summary>ggml Q8_0: per 32 values an F16 scale d = amax/127 and 32 int8 q = round(x/d) (half away from zero).</summary>
internal static class Q8_0Codec
{
    public const int BlockSize = 32;
    public const int BlockBytes = 34;

    public static void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> block)
    {
        float amax = 0;
        for (int j = 0; j < BlockSize; j++)
        {
            amax = MathF.Max(amax, MathF.Abs(x[j]));
        }

        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        BinaryPrimitives.WriteUInt16LittleEndian(block, HalfConversion.SingleToHalf(d));
        for (int j = 0; j < BlockSize; j++)
        {
            block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    public static void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
        for (int j = 0; j < BlockSize; j++)
        {
            y[j] = (sbyte)block[2 + j] * d;
        }
    }
}
