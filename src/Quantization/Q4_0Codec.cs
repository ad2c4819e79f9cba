using System.Buffers.Binary;

namespace LlmFramework.Quantization;

/// <summary>
/// ggml Q4_0: per 32 values an F16 scale d = max/-8 (max = the value of largest magnitude, with its sign) and
/// 16 bytes of nibbles q = x/d + 8 clamped to 15; byte j holds value j in its low nibble and value j+16 in its high one.
/// </summary>
internal static class Q4_0Codec
{
    public const int BlockSize = 32;
    public const int BlockBytes = 18;

    public static void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> block)
    {
        float amax = 0, max = 0;
        for (int j = 0; j < BlockSize; j++)
        {
            if (amax < MathF.Abs(x[j]))
            {
                amax = MathF.Abs(x[j]);
                max = x[j];
            }
        }

        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        BinaryPrimitives.WriteUInt16LittleEndian(block, HalfConversion.SingleToHalf(d));
        for (int j = 0; j < BlockSize / 2; j++)
        {
            int lo = Math.Min(15, (int)(sbyte)(int)((x[j] * id) + 8.5f));
            int hi = Math.Min(15, (int)(sbyte)(int)((x[j + 16] * id) + 8.5f));
            block[2 + j] = (byte)(lo | (hi << 4));
        }
    }

    public static void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
        for (int j = 0; j < BlockSize / 2; j++)
        {
            byte q = block[2 + j];
            y[j] = ((q & 0xF) - 8) * d;
            y[j + 16] = ((q >> 4) - 8) * d;
        }
    }
}
