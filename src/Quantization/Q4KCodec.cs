using System.Buffers.Binary;

namespace LlmFramework.Quantization;

/// <summary>
/// ggml Q4_K super-block (256 values, 144 bytes): F16 d, F16 dmin, 12 bytes of packed 6-bit scales/mins for
/// eight 32-value sub-blocks, 128 bytes of nibbles. Value = d*scale*q - dmin*min. Each 32-byte group of nibbles
/// holds sub-block 2k in its low nibbles and sub-block 2k+1 in its high ones.
/// </summary>
internal static class Q4KCodec
{
    public const int BlockSize = 256;
    public const int BlockBytes = 144;

    public static void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> block)
    {
        Span<byte> levels = stackalloc byte[BlockSize];
        Span<byte> scratch = stackalloc byte[32];
        Span<float> weights = stackalloc float[32];
        Span<float> mins = stackalloc float[8];
        Span<float> scales = stackalloc float[8];
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < 8; j++)
        {
            ReadOnlySpan<float> sub = x.Slice(32 * j, 32);
            float sumX2 = 0;
            for (int l = 0; l < 32; l++)
            {
                sumX2 += sub[l] * sub[l];
            }

            float avX = MathF.Sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++)
            {
                weights[l] = avX + MathF.Abs(sub[l]);
            }

            scales[j] = QuantSearch.MakeQkx2Quants(15, sub, weights, levels.Slice(32 * j, 32), out mins[j], scratch, -1f, 0.1f, 20);
            maxScale = MathF.Max(maxScale, scales[j]);
            maxMin = MathF.Max(maxMin, mins[j]);
        }

        float invScale = maxScale > 0 ? 63 / maxScale : 0;
        float invMin = maxMin > 0 ? 63 / maxMin : 0;
        Span<byte> packed = block.Slice(4, 12);
        packed.Clear();
        for (int j = 0; j < 8; j++)
        {
            int ls = Math.Min(63, QuantSearch.NearestInt(invScale * scales[j]));
            int lm = Math.Min(63, QuantSearch.NearestInt(invMin * mins[j]));
            if (j < 4)
            {
                packed[j] = (byte)ls;
                packed[j + 4] = (byte)lm;
            }
            else
            {
                packed[j + 4] = (byte)((ls & 0xF) | ((lm & 0xF) << 4));
                packed[j - 4] |= (byte)((ls >> 4) << 6);
                packed[j] |= (byte)((lm >> 4) << 6);
            }
        }

        ushort dBits = HalfConversion.SingleToHalf(maxScale / 63);
        ushort dminBits = HalfConversion.SingleToHalf(maxMin / 63);
        BinaryPrimitives.WriteUInt16LittleEndian(block, dBits);
        BinaryPrimitives.WriteUInt16LittleEndian(block[2..], dminBits);
        float dAll = HalfConversion.HalfToSingle(dBits);
        float dminAll = HalfConversion.HalfToSingle(dminBits);
        for (int j = 0; j < 8; j++)
        {
            KQuantScales.GetScaleMinK4(packed, j, out int sc, out int m);
            float d = dAll * sc;
            if (d == 0)
            {
                continue;
            }

            float dm = dminAll * m;
            for (int i = 0; i < 32; i++)
            {
                int l = QuantSearch.NearestInt((x[(32 * j) + i] + dm) / d);
                levels[(32 * j) + i] = (byte)Math.Clamp(l, 0, 15);
            }
        }

        Span<byte> qs = block.Slice(16, 128);
        for (int j = 0, q = 0; j < BlockSize; j += 64, q += 32)
        {
            for (int l = 0; l < 32; l++)
            {
                qs[q + l] = (byte)(levels[j + l] | (levels[j + l + 32] << 4));
            }
        }
    }

    public static void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block));
        float dmin = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block[2..]));
        ReadOnlySpan<byte> packed = block.Slice(4, 12);
        ReadOnlySpan<byte> qs = block.Slice(16, 128);
        for (int g = 0; g < 4; g++)
        {
            KQuantScales.GetScaleMinK4(packed, 2 * g, out int sc1, out int m1);
            KQuantScales.GetScaleMinK4(packed, (2 * g) + 1, out int sc2, out int m2);
            float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
            ReadOnlySpan<byte> q = qs.Slice(32 * g, 32);
            Span<float> o = y.Slice(64 * g, 64);
            for (int l = 0; l < 32; l++)
            {
                o[l] = (d1 * (q[l] & 0xF)) - min1;
                o[l + 32] = (d2 * (q[l] >> 4)) - min2;
            }
        }
    }
}
