using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// Dot products of one Q4_K / Q6_K weight row with one <see cref="Q8Activations"/> row. The 32-value activation
/// blocks line up with the K-quant sub-blocks, so each sub-block is an integer dot (Avx2) times d·scale·d_x; the
/// Q4_K mins use the block sums of the quantised x. Scalar loops serve machines without Avx2.
/// </summary>
internal static unsafe class KQuantDots
{
    /// <summary>Σ over <paramref name="superBlocks"/> Q4_K super-blocks at <paramref name="w"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotQ4K(byte* w, sbyte* xq, float* xd, float* xsum, int superBlocks)
    {
        float* halves = HalfTable.Values;
        int* sc = stackalloc int[8];
        int* mn = stackalloc int[8];
        if (Avx2.IsSupported)
        {
            return DotQ4KAvx2(w, xq, xd, xsum, superBlocks);
        }

        float sum = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 144);
            int xb = s * 8;
            float d = halves[*(ushort*)block];
            float dmin = halves[*(ushort*)(block + 2)];
            UnpackScales(block + 4, sc, mn);
            for (int g = 0; g < 4; g++)
            {
                byte* q = block + 16 + (32 * g);
                int j0 = xb + (2 * g);
                sbyte* x0 = xq + (j0 * 32);
                int lo = 0, hi = 0;
                for (int l = 0; l < 32; l++)
                {
                    lo += (q[l] & 0xF) * x0[l];
                    hi += (q[l] >> 4) * x0[l + 32];
                }

                sum += (d * sc[2 * g] * xd[j0] * lo) + (d * sc[(2 * g) + 1] * xd[j0 + 1] * hi);
                sum -= dmin * ((mn[2 * g] * xsum[j0]) + (mn[(2 * g) + 1] * xsum[j0 + 1]));
            }
        }

        return sum;
    }

    /// <summary>Σ over <paramref name="superBlocks"/> Q6_K super-blocks at <paramref name="w"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotQ6K(byte* w, sbyte* xq, float* xd, int superBlocks)
    {
        float* halves = HalfTable.Values;
        if (Avx2.IsSupported)
        {
            return DotQ6KAvx2(w, xq, xd, superBlocks);
        }

        float sum = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 210);
            sbyte* scales = (sbyte*)(block + 192);
            float d = halves[*(ushort*)(block + 208)];
            for (int h = 0; h < 2; h++)
            {
                byte* ql = block + (64 * h);
                byte* qh = block + 128 + (32 * h);
                int xb = (s * 8) + (4 * h);
                for (int k = 0; k < 4; k++)
                {
                    sbyte* x0 = xq + ((xb + k) * 32);
                    int first = 0, second = 0;
                    for (int l = 0; l < 32; l++)
                    {
                        int nibble = (k & 1) == 0 ? ql[l] : ql[l + 32];
                        nibble = k < 2 ? nibble & 0xF : nibble >> 4;
                        int q = (nibble | (((qh[l] >> (2 * k)) & 3) << 4)) - 32;
                        if (l < 16)
                        {
                            first += q * x0[l];
                        }
                        else
                        {
                            second += q * x0[l];
                        }
                    }

                    sum += d * xd[xb + k] * ((scales[(8 * h) + (2 * k)] * first) + (scales[(8 * h) + (2 * k) + 1] * second));
                }
            }
        }

        return sum;
    }

    /// <summary>
    /// Q4_K with Avx2: the 8 scales and 8 mins are unpacked to bytes with 32-bit masks, widened to floats once per
    /// super-block and folded with d and the activation scales into one factor vector; each sub-block's integer dot
    /// then takes its factor by a lane permute. The mins accumulate as a vector too (dmin · m_j · Σx_j).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float DotQ4KAvx2(byte* w, sbyte* xq, float* xd, float* xsum, int superBlocks)
    {
        float* halves = HalfTable.Values;
        Vector256<float> acc = default, minAcc = default;
        var low = Vector256.Create((byte)0x0F);
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 144);
            int xb = s * 8;
            Vector128<byte> unpacked = UnpackScalesAndMins(block + 4);
            Vector256<float> scales = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(unpacked));
            Vector256<float> mins = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(unpacked, 8)));
            Vector256<float> factors = scales * Vector256.Create(halves[*(ushort*)block]) * Vector256.Load(xd + xb);
            minAcc = Vector256.FusedMultiplyAdd(mins * Vector256.Create(halves[*(ushort*)(block + 2)]), Vector256.Load(xsum + xb), minAcc);
            sbyte* x = xq + (xb * 32);
            for (int g = 0; g < 4; g++)
            {
                Vector256<byte> raw = Vector256.Load(block + 16 + (32 * g));
                Vector256<int> lo = QuantDots.UnsignedIntDot256(raw & low, Vector256.Load(x + (64 * g)));
                Vector256<int> hi = QuantDots.UnsignedIntDot256((raw.AsUInt16() >> 4).AsByte() & low, Vector256.Load(x + (64 * g) + 32));
                acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(lo), Avx2.PermuteVar8x32(factors, Vector256.Create(2 * g)), acc);
                acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(hi), Avx2.PermuteVar8x32(factors, Vector256.Create((2 * g) + 1)), acc);
            }
        }

        return Vector256.Sum(acc) - Vector256.Sum(minAcc);
    }

    /// <summary>
    /// Prefill tile for Q4_K with Avx2: one weight row against four activation rows (row r's blocks start at
    /// r·<paramref name="rowBlocks"/>); the weight loads, nibble extraction and scale unpacking are shared.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void DotQ4Kx4(byte* w, sbyte* xq, float* xd, float* xsum, int superBlocks, int rowBlocks, float* y, long yStride)
    {
        float* halves = HalfTable.Values;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        Vector256<float> min0 = default, min1 = default, min2 = default, min3 = default;
        var low = Vector256.Create((byte)0x0F);
        long stride = (long)rowBlocks * 32;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 144);
            int xb = s * 8;
            Vector128<byte> unpacked = UnpackScalesAndMins(block + 4);
            Vector256<float> scales = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(unpacked)) * Vector256.Create(halves[*(ushort*)block]);
            Vector256<float> mins = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(unpacked, 8))) * Vector256.Create(halves[*(ushort*)(block + 2)]);
            Vector256<float> f0 = scales * Vector256.Load(xd + xb);
            Vector256<float> f1 = scales * Vector256.Load(xd + xb + rowBlocks);
            Vector256<float> f2 = scales * Vector256.Load(xd + xb + (2 * rowBlocks));
            Vector256<float> f3 = scales * Vector256.Load(xd + xb + (3 * rowBlocks));
            min0 = Vector256.FusedMultiplyAdd(mins, Vector256.Load(xsum + xb), min0);
            min1 = Vector256.FusedMultiplyAdd(mins, Vector256.Load(xsum + xb + rowBlocks), min1);
            min2 = Vector256.FusedMultiplyAdd(mins, Vector256.Load(xsum + xb + (2 * rowBlocks)), min2);
            min3 = Vector256.FusedMultiplyAdd(mins, Vector256.Load(xsum + xb + (3 * rowBlocks)), min3);
            sbyte* x = xq + (xb * 32);
            for (int g = 0; g < 4; g++)
            {
                Vector256<byte> raw = Vector256.Load(block + 16 + (32 * g));
                Vector256<byte> lo = raw & low;
                Vector256<byte> hi = (raw.AsUInt16() >> 4).AsByte() & low;
                Vector256<int> iLo = Vector256.Create(2 * g), iHi = Vector256.Create((2 * g) + 1);
                sbyte* xg = x + (64 * g);
                acc0 = Tile(acc0, lo, hi, xg, f0, iLo, iHi);
                acc1 = Tile(acc1, lo, hi, xg + stride, f1, iLo, iHi);
                acc2 = Tile(acc2, lo, hi, xg + (2 * stride), f2, iLo, iHi);
                acc3 = Tile(acc3, lo, hi, xg + (3 * stride), f3, iLo, iHi);
            }
        }

        y[0] = Vector256.Sum(acc0) - Vector256.Sum(min0);
        y[yStride] = Vector256.Sum(acc1) - Vector256.Sum(min1);
        y[2 * yStride] = Vector256.Sum(acc2) - Vector256.Sum(min2);
        y[3 * yStride] = Vector256.Sum(acc3) - Vector256.Sum(min3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Tile(Vector256<float> acc, Vector256<byte> lo, Vector256<byte> hi, sbyte* x, Vector256<float> factors, Vector256<int> iLo, Vector256<int> iHi)
    {
        acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.UnsignedIntDot256(lo, Vector256.Load(x))), Avx2.PermuteVar8x32(factors, iLo), acc);
        return Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.UnsignedIntDot256(hi, Vector256.Load(x + 32))), Avx2.PermuteVar8x32(factors, iHi), acc);
    }

    /// <summary>
    /// Q6_K with Avx2: 6-bit levels rebuilt 32 at a time from ql/qh, biased by -32, integer dots with the sign trick;
    /// the 16 scales are widened once per super-block and combined with d and the activation scales, so each
    /// 32-value dot (two 16-value scale groups in lanes 0-3 and 4-7) needs one permute and one FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float DotQ6KAvx2(byte* w, sbyte* xq, float* xd, int superBlocks)
    {
        float* halves = HalfTable.Values;
        Vector256<float> acc = default;
        var low = Vector256.Create((byte)0x0F);
        var three = Vector256.Create((byte)3);
        var bias = Vector256.Create((sbyte)32);
        var pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 210);
            var d = Vector256.Create(halves[*(ushort*)(block + 208)]);
            Vector256<float> activationScales = Vector256.Load(xd + (s * 8));
            for (int h = 0; h < 2; h++)
            {
                // factor of scale group 8h + j: d · scale · (scale of the activation block holding it, 8h + j) / 2.
                Vector256<float> factors = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)(block + 192 + (8 * h))))
                    * d * Avx2.PermuteVar8x32(activationScales, pairs + Vector256.Create(4 * h));
                Vector256<byte> qlA = Vector256.Load(block + (64 * h));
                Vector256<byte> qlB = Vector256.Load(block + (64 * h) + 32);
                Vector256<byte> qh = Vector256.Load(block + 128 + (32 * h));
                sbyte* x = xq + (((s * 8) + (4 * h)) * 32);
                Vector256<sbyte> q0 = ((qlA & low) | ShiftLeft4(qh & three)).AsSByte() - bias;
                Vector256<sbyte> q1 = ((qlB & low) | ShiftLeft4(ShiftRight(qh, 2) & three)).AsSByte() - bias;
                Vector256<sbyte> q2 = (ShiftRight(qlA, 4) | ShiftLeft4(ShiftRight(qh, 4) & three)).AsSByte() - bias;
                Vector256<sbyte> q3 = (ShiftRight(qlB, 4) | ShiftLeft4(ShiftRight(qh, 6) & three)).AsSByte() - bias;
                acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q0, Vector256.Load(x))), Avx2.PermuteVar8x32(factors, Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1)), acc);
                acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q1, Vector256.Load(x + 32))), Avx2.PermuteVar8x32(factors, Vector256.Create(2, 2, 2, 2, 3, 3, 3, 3)), acc);
                acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q2, Vector256.Load(x + 64))), Avx2.PermuteVar8x32(factors, Vector256.Create(4, 4, 4, 4, 5, 5, 5, 5)), acc);
                acc = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q3, Vector256.Load(x + 96))), Avx2.PermuteVar8x32(factors, Vector256.Create(6, 6, 6, 6, 7, 7, 7, 7)), acc);
            }
        }

        return Vector256.Sum(acc);
    }

    /// <summary>
    /// Prefill tile for Q6_K with Avx2: one weight row against four activation rows (row r's blocks start at
    /// r·<paramref name="rowBlocks"/>); the 6-bit levels are rebuilt once and shared by the four dots.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void DotQ6Kx4(byte* w, sbyte* xq, float* xd, int superBlocks, int rowBlocks, float* y, long yStride)
    {
        float* halves = HalfTable.Values;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        var low = Vector256.Create((byte)0x0F);
        var three = Vector256.Create((byte)3);
        var bias = Vector256.Create((sbyte)32);
        var pairs = Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3);
        long stride = (long)rowBlocks * 32;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 210);
            var d = Vector256.Create(halves[*(ushort*)(block + 208)]);
            for (int h = 0; h < 2; h++)
            {
                Vector256<float> scales = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)(block + 192 + (8 * h)))) * d;
                Vector256<int> select = pairs + Vector256.Create(4 * h);
                int xb = (s * 8) + (4 * h);
                Vector256<float> f0 = scales * Avx2.PermuteVar8x32(Vector256.Load(xd + (s * 8)), select);
                Vector256<float> f1 = scales * Avx2.PermuteVar8x32(Vector256.Load(xd + (s * 8) + rowBlocks), select);
                Vector256<float> f2 = scales * Avx2.PermuteVar8x32(Vector256.Load(xd + (s * 8) + (2 * rowBlocks)), select);
                Vector256<float> f3 = scales * Avx2.PermuteVar8x32(Vector256.Load(xd + (s * 8) + (3 * rowBlocks)), select);
                Vector256<byte> qlA = Vector256.Load(block + (64 * h));
                Vector256<byte> qlB = Vector256.Load(block + (64 * h) + 32);
                Vector256<byte> qh = Vector256.Load(block + 128 + (32 * h));
                for (int kq = 0; kq < 4; kq++)
                {
                    Vector256<byte> nibbles = kq switch
                    {
                        0 => (qlA & low) | ShiftLeft4(qh & three),
                        1 => (qlB & low) | ShiftLeft4(ShiftRight(qh, 2) & three),
                        2 => ShiftRight(qlA, 4) | ShiftLeft4(ShiftRight(qh, 4) & three),
                        _ => ShiftRight(qlB, 4) | ShiftLeft4(ShiftRight(qh, 6) & three),
                    };
                    Vector256<sbyte> q = nibbles.AsSByte() - bias;
                    Vector256<int> pick = Vector256.Create(2 * kq, 2 * kq, 2 * kq, 2 * kq, (2 * kq) + 1, (2 * kq) + 1, (2 * kq) + 1, (2 * kq) + 1);
                    sbyte* x = xq + ((xb + kq) * 32);
                    acc0 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q, Vector256.Load(x))), Avx2.PermuteVar8x32(f0, pick), acc0);
                    acc1 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q, Vector256.Load(x + stride))), Avx2.PermuteVar8x32(f1, pick), acc1);
                    acc2 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q, Vector256.Load(x + (2 * stride)))), Avx2.PermuteVar8x32(f2, pick), acc2);
                    acc3 = Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(QuantDots.IntDot256(q, Vector256.Load(x + (3 * stride)))), Avx2.PermuteVar8x32(f3, pick), acc3);
                }
            }
        }

        y[0] = Vector256.Sum(acc0);
        y[yStride] = Vector256.Sum(acc1);
        y[2 * yStride] = Vector256.Sum(acc2);
        y[3 * yStride] = Vector256.Sum(acc3);
    }

    /// <summary>
    /// The 12 packed bytes of a Q4_K super-block rearranged with 32-bit masks: bytes 0-7 of the result are the
    /// 8 scales, bytes 8-15 the 8 mins (each 0..63).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> UnpackScalesAndMins(byte* packed)
    {
        const uint Low6 = 0x3F3F3F3F, Low4 = 0x0F0F0F0F, Low2 = 0x03030303;
        uint a = *(uint*)packed, b = *(uint*)(packed + 4), c = *(uint*)(packed + 8);
        return Vector128.Create(
            a & Low6,
            (c & Low4) | (((a >> 6) & Low2) << 4),
            b & Low6,
            ((c >> 4) & Low4) | (((b >> 6) & Low2) << 4)).AsByte();
    }

    /// <summary>The eight 6-bit scales and mins of a Q4_K super-block (see KQuantScales.GetScaleMinK4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UnpackScales(byte* packed, int* scales, int* mins)
    {
        for (int j = 0; j < 4; j++)
        {
            scales[j] = packed[j] & 63;
            mins[j] = packed[j + 4] & 63;
            scales[j + 4] = (packed[j + 8] & 0xF) | ((packed[j] >> 6) << 4);
            mins[j + 4] = (packed[j + 8] >> 4) | ((packed[j + 4] >> 6) << 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate6(Vector256<float> acc, Vector256<sbyte> q, sbyte* x, sbyte scaleLow, sbyte scaleHigh, float d)
    {
        Vector256<float> dot = Avx.ConvertToVector256Single(QuantDots.IntDot256(q, Vector256.Load(x)));
        var scales = Vector256.Create(Vector128.Create((float)scaleLow), Vector128.Create((float)scaleHigh));
        return Vector256.FusedMultiplyAdd(dot * scales, Vector256.Create(d), acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> ShiftRight(Vector256<byte> v, int count) => (v.AsUInt16() >> count).AsByte() & Vector256.Create((byte)(0xFF >> count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> ShiftLeft4(Vector256<byte> v) => (v.AsUInt16() << 4).AsByte();
}
