using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// Dot products of one Q8_0 / Q4_0 weight row with one <see cref="Q8Activations"/> row, in integers per block:
/// |w| (unsigned) times sign(w)·x (signed) through pmaddubsw + pmaddwd (Avx2, or Ssse3 on 128-bit halves), then
/// one float multiply-add per block with d_w·d_x. A scalar loop covers machines without either.
/// </summary>
internal static unsafe class QuantDots
{
    /// <summary>Σ over <paramref name="blocks"/> Q8_0 blocks at <paramref name="w"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotQ8_0(byte* w, sbyte* xq, float* xd, int blocks)
    {
        float* halves = HalfTable.Values;
        if (Avx2.IsSupported)
        {
            Vector256<float> acc0 = default, acc1 = default;
            int b = 0;
            for (; b + 1 < blocks; b += 2)
            {
                byte* w0 = w + (b * 34);
                acc0 = Accumulate(acc0, IntDot256(Vector256.Load((sbyte*)(w0 + 2)), Vector256.Load(xq + (b * 32))), halves[*(ushort*)w0] * xd[b]);
                acc1 = Accumulate(acc1, IntDot256(Vector256.Load((sbyte*)(w0 + 36)), Vector256.Load(xq + (b * 32) + 32)), halves[*(ushort*)(w0 + 34)] * xd[b + 1]);
            }

            for (; b < blocks; b++)
            {
                byte* w0 = w + (b * 34);
                acc0 = Accumulate(acc0, IntDot256(Vector256.Load((sbyte*)(w0 + 2)), Vector256.Load(xq + (b * 32))), halves[*(ushort*)w0] * xd[b]);
            }

            return Vector256.Sum(acc0 + acc1);
        }

        float sum = 0;
        for (int b = 0; b < blocks; b++)
        {
            byte* w0 = w + (b * 34);
            int dot = Ssse3.IsSupported
                ? IntDot128(Vector128.Load((sbyte*)(w0 + 2)), Vector128.Load(xq + (b * 32))) + IntDot128(Vector128.Load((sbyte*)(w0 + 18)), Vector128.Load(xq + (b * 32) + 16))
                : ScalarDot((sbyte*)(w0 + 2), xq + (b * 32), 32);
            sum += halves[*(ushort*)w0] * xd[b] * dot;
        }

        return sum;
    }

    /// <summary>
    /// Prefill tile for Q8_0 with Avx2: one weight row against four activation rows (x_r at r·<paramref name="rowBlocks"/>
    /// blocks); |w|, the weight scale and the loads are shared by the four dots.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void DotQ8_0x4(byte* w, sbyte* xq, float* xd, int blocks, int rowBlocks, float* y, long yStride)
    {
        float* halves = HalfTable.Values;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var ones = Vector256.Create((short)1);
        long stride = (long)rowBlocks * 32;
        for (int b = 0; b < blocks; b++)
        {
            byte* w0 = w + (b * 34);
            Vector256<sbyte> q = Vector256.Load((sbyte*)(w0 + 2));
            Vector256<byte> magnitude = Avx2.Abs(q);
            float d = halves[*(ushort*)w0];
            sbyte* x = xq + (b * 32);
            Vector256<int> p0 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x), q)), ones);
            Vector256<int> p1 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x + stride), q)), ones);
            Vector256<int> p2 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x + (2 * stride)), q)), ones);
            Vector256<int> p3 = Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(magnitude, Avx2.Sign(Vector256.Load(x + (3 * stride)), q)), ones);
            a0 = Accumulate(a0, p0, d * xd[b]);
            a1 = Accumulate(a1, p1, d * xd[b + rowBlocks]);
            a2 = Accumulate(a2, p2, d * xd[b + (2 * rowBlocks)]);
            a3 = Accumulate(a3, p3, d * xd[b + (3 * rowBlocks)]);
        }

        y[0] = Vector256.Sum(a0);
        y[yStride] = Vector256.Sum(a1);
        y[2 * yStride] = Vector256.Sum(a2);
        y[3 * yStride] = Vector256.Sum(a3);
    }

    /// <summary>
    /// Σ over <paramref name="blocks"/> Q4_0 blocks at <paramref name="w"/> (nibble j low = value j, high = value j+16,
    /// offset 8). With Avx2 the nibbles (0..15) multiply the activation levels unsigned, and the offset is applied as
    /// 8·d_w·Σx_q with the block sums <paramref name="xsum"/> of the quantised x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotQ4_0(byte* w, sbyte* xq, float* xd, float* xsum, int blocks)
    {
        if (Avx2.IsSupported)
        {
            return DotQ4_0Avx2(w, xq, xd, xsum, blocks);
        }

        float* halves = HalfTable.Values;
        float sum = 0;
        sbyte* unpacked = stackalloc sbyte[32];
        for (int b = 0; b < blocks; b++)
        {
            byte* w0 = w + (b * 18);
            for (int j = 0; j < 16; j++)
            {
                unpacked[j] = (sbyte)(w0[2 + j] & 0xF);
                unpacked[j + 16] = (sbyte)(w0[2 + j] >> 4);
            }

            // Same arithmetic as the Avx2 path: unsigned nibbles, offset 8 applied to the block sum of the quantised x.
            int dot = Ssse3.IsSupported
                ? IntDot128(Vector128.Load(unpacked), Vector128.Load(xq + (b * 32))) + IntDot128(Vector128.Load(unpacked + 16), Vector128.Load(xq + (b * 32) + 16))
                : ScalarDot(unpacked, xq + (b * 32), 32);
            float d = halves[*(ushort*)w0];
            sum += (d * xd[b] * dot) - (8 * d * xsum[b]);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float DotQ4_0Avx2(byte* w, sbyte* xq, float* xd, float* xsum, int blocks)
    {
        float* halves = HalfTable.Values;
        Vector256<float> acc0 = default, acc1 = default;
        var low = Vector256.Create((byte)0x0F);
        float offset = 0;
        int b = 0;
        for (; b + 1 < blocks; b += 2)
        {
            byte* w0 = w + (b * 18);
            Vector128<byte> raw0 = Vector128.Load(w0 + 2);
            Vector128<byte> raw1 = Vector128.Load(w0 + 20);
            Vector256<byte> q0 = Vector256.Create(raw0, (raw0.AsUInt16() >> 4).AsByte()) & low;
            Vector256<byte> q1 = Vector256.Create(raw1, (raw1.AsUInt16() >> 4).AsByte()) & low;
            float d0 = halves[*(ushort*)w0], d1 = halves[*(ushort*)(w0 + 18)];
            acc0 = Accumulate(acc0, UnsignedIntDot256(q0, Vector256.Load(xq + (b * 32))), d0 * xd[b]);
            acc1 = Accumulate(acc1, UnsignedIntDot256(q1, Vector256.Load(xq + (b * 32) + 32)), d1 * xd[b + 1]);
            offset += (d0 * xsum[b]) + (d1 * xsum[b + 1]);
        }

        if (b < blocks)
        {
            byte* w0 = w + (b * 18);
            Vector128<byte> raw = Vector128.Load(w0 + 2);
            float d0 = halves[*(ushort*)w0];
            acc0 = Accumulate(acc0, UnsignedIntDot256(Vector256.Create(raw, (raw.AsUInt16() >> 4).AsByte()) & low, Vector256.Load(xq + (b * 32))), d0 * xd[b]);
            offset += d0 * xsum[b];
        }

        return Vector256.Sum(acc0 + acc1) - (8 * offset);
    }

    /// <summary>Per-lane partial sums of w·x for 32 signed bytes (8 int lanes, lane j covering bytes 4j..4j+3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> IntDot256(Vector256<sbyte> w, Vector256<sbyte> x)
    {
        Vector256<short> pairs = Avx2.MultiplyAddAdjacent(Avx2.Abs(w), Avx2.Sign(x, w));
        return Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
    }

    /// <summary>Per-lane partial sums of u·x for 32 unsigned (at most 127) by signed bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> UnsignedIntDot256(Vector256<byte> u, Vector256<sbyte> x)
    {
        Vector256<short> pairs = Avx2.MultiplyAddAdjacent(u, x);
        return Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Accumulate(Vector256<float> acc, Vector256<int> dot, float scale) =>
        Vector256.FusedMultiplyAdd(Avx.ConvertToVector256Single(dot), Vector256.Create(scale), acc);

    /// <summary>Σ w·x over 16 signed bytes with Ssse3/Sse2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IntDot128(Vector128<sbyte> w, Vector128<sbyte> x)
    {
        Vector128<short> pairs = Ssse3.MultiplyAddAdjacent(Ssse3.Abs(w), Ssse3.Sign(x, w));
        return Vector128.Sum(Sse2.MultiplyAddAdjacent(pairs, Vector128.Create((short)1)));
    }

    public static int ScalarDot(sbyte* w, sbyte* x, int n)
    {
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            sum += w[i] * x[i];
        }

        return sum;
    }

    /// <summary>Writes the 32 * <paramref name="blocks"/> values of a Q8_0 row (d · q per block) as floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DequantizeQ8_0(byte* w, float* destination, int blocks)
    {
        float* halves = HalfTable.Values;
        for (int b = 0; b < blocks; b++)
        {
            byte* block = w + (b * 34);
            float d = halves[*(ushort*)block];
            sbyte* q = (sbyte*)(block + 2);
            float* y = destination + (b * 32);
            if (Avx512F.IsSupported)
            {
                var scale = Vector512.Create(d);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q))) * scale).Store(y);
                (Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16))) * scale).Store(y + 16);
            }
            else
            {
                for (int j = 0; j < 32; j++)
                {
                    y[j] = d * q[j];
                }
            }
        }
    }
}
