using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// Dot products of one Q4_K / Q6_K weight row with one <see cref="Q8Activations"/> row. The 32-value activation
/// blocks line up with the K-quant sub-blocks, so each sub-block is an integer dot (Avx2) times d·scale·d_x; the
/// Q4_K mins use the exact float block sums of x. Scalar loops serve machines without Avx2.
/// </summary>
internal static unsafe class KQuantDots
{
    /// <summary>Σ over <paramref name="superBlocks"/> Q4_K super-blocks at <paramref name="w"/>.</summary>
    public static float DotQ4K(byte* w, sbyte* xq, float* xd, float* xsum, int superBlocks)
    {
        int* sc = stackalloc int[8];
        int* mn = stackalloc int[8];
        float minPart = 0;
        if (Avx2.IsSupported)
        {
            Vector256<float> acc = default;
            var low = Vector256.Create((byte)0x0F);
            for (int s = 0; s < superBlocks; s++)
            {
                byte* block = w + (s * 144);
                int xb = s * 8;
                float d = HalfTable.ToSingle(*(ushort*)block);
                float dmin = HalfTable.ToSingle(*(ushort*)(block + 2));
                UnpackScales(block + 4, sc, mn);
                float mins = 0;
                for (int j = 0; j < 8; j++)
                {
                    mins += mn[j] * xsum[xb + j];
                }

                minPart += dmin * mins;
                for (int g = 0; g < 4; g++)
                {
                    Vector256<byte> raw = Vector256.Load(block + 16 + (32 * g));
                    int j0 = xb + (2 * g);
                    acc = QuantDots.Accumulate(acc, QuantDots.UnsignedIntDot256(raw & low, Vector256.Load(xq + (j0 * 32))), d * sc[2 * g] * xd[j0]);
                    acc = QuantDots.Accumulate(acc, QuantDots.UnsignedIntDot256((raw.AsUInt16() >> 4).AsByte() & low, Vector256.Load(xq + (j0 * 32) + 32)), d * sc[(2 * g) + 1] * xd[j0 + 1]);
                }
            }

            return Vector256.Sum(acc) - minPart;
        }

        float sum = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 144);
            int xb = s * 8;
            float d = HalfTable.ToSingle(*(ushort*)block);
            float dmin = HalfTable.ToSingle(*(ushort*)(block + 2));
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
    public static float DotQ6K(byte* w, sbyte* xq, float* xd, int superBlocks)
    {
        if (Avx2.IsSupported)
        {
            Vector256<float> acc = default;
            var low = Vector256.Create((byte)0x0F);
            var three = Vector256.Create((byte)3);
            var bias = Vector256.Create((sbyte)32);
            for (int s = 0; s < superBlocks; s++)
            {
                byte* block = w + (s * 210);
                sbyte* scales = (sbyte*)(block + 192);
                float d = HalfTable.ToSingle(*(ushort*)(block + 208));
                for (int h = 0; h < 2; h++)
                {
                    Vector256<byte> qlA = Vector256.Load(block + (64 * h));
                    Vector256<byte> qlB = Vector256.Load(block + (64 * h) + 32);
                    Vector256<byte> qh = Vector256.Load(block + 128 + (32 * h));
                    Vector256<byte> q0 = (qlA & low) | ShiftLeft4(qh & three);
                    Vector256<byte> q1 = (qlB & low) | ShiftLeft4(ShiftRight(qh, 2) & three);
                    Vector256<byte> q2 = ShiftRight(qlA, 4) | ShiftLeft4(ShiftRight(qh, 4) & three);
                    Vector256<byte> q3 = ShiftRight(qlB, 4) | ShiftLeft4(ShiftRight(qh, 6) & three);
                    int xb = (s * 8) + (4 * h);
                    sbyte* sc = scales + (8 * h);
                    acc = Accumulate6(acc, q0.AsSByte() - bias, xq + (xb * 32), sc[0], sc[1], d * xd[xb]);
                    acc = Accumulate6(acc, q1.AsSByte() - bias, xq + ((xb + 1) * 32), sc[2], sc[3], d * xd[xb + 1]);
                    acc = Accumulate6(acc, q2.AsSByte() - bias, xq + ((xb + 2) * 32), sc[4], sc[5], d * xd[xb + 2]);
                    acc = Accumulate6(acc, q3.AsSByte() - bias, xq + ((xb + 3) * 32), sc[6], sc[7], d * xd[xb + 3]);
                }
            }

            return Vector256.Sum(acc);
        }

        float sum = 0;
        for (int s = 0; s < superBlocks; s++)
        {
            byte* block = w + (s * 210);
            sbyte* scales = (sbyte*)(block + 192);
            float d = HalfTable.ToSingle(*(ushort*)(block + 208));
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
