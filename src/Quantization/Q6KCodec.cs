using System.Buffers.Binary;

namespace LlmFramework.Quantization;

/// <summary>
/// ggml Q6_K super-block (256 values, 210 bytes): ql[128] low nibbles, qh[64] high 2-bit pairs, 16 int8 scales
/// (one per 16 values), F16 d. Value = d * scale * (q - 32) with q a 6-bit level. Each 128-value half uses 64 ql bytes
/// and 32 qh bytes: value l+32k (k = 0..3) takes nibble (k&amp;1 ? ql[l+32] : ql[l]) >> (k>=2 ? 4 : 0) and qh bits 2k..2k+1 of qh[l].
/// </summary>
internal static class Q6KCodec
{
    public const int BlockSize = 256;
    public const int BlockBytes = 210;

    public static void QuantizeBlock(ReadOnlySpan<float> x, Span<byte> block)
    {
        Span<byte> levels = stackalloc byte[BlockSize];
        Span<float> scales = stackalloc float[16];
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++)
        {
            float scale = QuantSearch.MakeQxQuants(32, x.Slice(16 * ib, 16), levels.Slice(16 * ib, 16));
            scales[ib] = scale;
            if (MathF.Abs(scale) > maxAbsScale)
            {
                maxAbsScale = MathF.Abs(scale);
                maxScale = scale;
            }
        }

        if (maxAbsScale < QuantSearch.GroupMaxEps)
        {
            block[..BlockBytes].Clear();
            return;
        }

        float iscale = -128f / maxScale;
        ushort dBits = HalfConversion.SingleToHalf(1 / iscale);
        BinaryPrimitives.WriteUInt16LittleEndian(block[208..], dBits);
        Span<byte> sc = block.Slice(192, 16);
        for (int ib = 0; ib < 16; ib++)
        {
            sc[ib] = (byte)(sbyte)Math.Min(127, QuantSearch.NearestInt(iscale * scales[ib]));
        }

        float dAll = HalfConversion.HalfToSingle(dBits);
        for (int j = 0; j < 16; j++)
        {
            float d = dAll * (sbyte)sc[j];
            if (d == 0)
            {
                continue;
            }

            for (int i = 0; i < 16; i++)
            {
                int l = Math.Clamp(QuantSearch.NearestInt(x[(16 * j) + i] / d), -32, 31);
                levels[(16 * j) + i] = (byte)(l + 32);
            }
        }

        Span<byte> ql = block[..128];
        Span<byte> qh = block.Slice(128, 64);
        for (int j = 0; j < BlockSize; j += 128)
        {
            Span<byte> qlHalf = ql.Slice(j / 2, 64);
            Span<byte> qhHalf = qh.Slice(j / 4, 32);
            for (int l = 0; l < 32; l++)
            {
                int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
                qlHalf[l] = (byte)((q1 & 0xF) | ((q3 & 0xF) << 4));
                qlHalf[l + 32] = (byte)((q2 & 0xF) | ((q4 & 0xF) << 4));
                qhHalf[l] = (byte)((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
    }

    public static void DequantizeBlock(ReadOnlySpan<byte> block, Span<float> y)
    {
        float d = HalfConversion.HalfToSingle(BinaryPrimitives.ReadUInt16LittleEndian(block[208..]));
        ReadOnlySpan<byte> sc = block.Slice(192, 16);
        for (int half = 0; half < 2; half++)
        {
            ReadOnlySpan<byte> ql = block.Slice(64 * half, 64);
            ReadOnlySpan<byte> qh = block.Slice(128 + (32 * half), 32);
            Span<float> o = y.Slice(128 * half, 128);
            int s = 8 * half;
            for (int l = 0; l < 32; l++)
            {
                int isc = s + (l / 16);
                int q1 = ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) - 32;
                int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                o[l] = d * (sbyte)sc[isc] * q1;
                o[l + 32] = d * (sbyte)sc[isc + 2] * q2;
                o[l + 64] = d * (sbyte)sc[isc + 4] * q3;
                o[l + 96] = d * (sbyte)sc[isc + 6] * q4;
            }
        }
    }
}
