using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// The prefill micro-kernel for float weights: two weight rows against four activation rows in one pass, eight
/// accumulators, so each loaded vector feeds several FMAs (0.75 loads per FMA instead of 2 for one dot at a time).
/// </summary>
internal static unsafe class FloatTile
{
    /// <summary>
    /// y[r * yStride + j] = Σ_i w_j[i] · x_r[i] for j in {0, 1} and r in 0..3, with x_r = x + r * <paramref name="k"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot2x4(float* w0, float* w1, float* x, int k, float* y, long yStride)
    {
        float* x0 = x, x1 = x + k, x2 = x + (2 * k), x3 = x + (3 * k);
        int i = 0;
        float s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        if (Vector512.IsHardwareAccelerated && k >= 16)
        {
            Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
            for (; i <= k - 16; i += 16)
            {
                Vector512<float> u = Vector512.Load(w0 + i), v = Vector512.Load(w1 + i);
                Vector512<float> c0 = Vector512.Load(x0 + i), c1 = Vector512.Load(x1 + i), c2 = Vector512.Load(x2 + i), c3 = Vector512.Load(x3 + i);
                a00 = Vector512.FusedMultiplyAdd(u, c0, a00);
                a01 = Vector512.FusedMultiplyAdd(u, c1, a01);
                a02 = Vector512.FusedMultiplyAdd(u, c2, a02);
                a03 = Vector512.FusedMultiplyAdd(u, c3, a03);
                a10 = Vector512.FusedMultiplyAdd(v, c0, a10);
                a11 = Vector512.FusedMultiplyAdd(v, c1, a11);
                a12 = Vector512.FusedMultiplyAdd(v, c2, a12);
                a13 = Vector512.FusedMultiplyAdd(v, c3, a13);
            }

            s00 = Vector512.Sum(a00); s01 = Vector512.Sum(a01); s02 = Vector512.Sum(a02); s03 = Vector512.Sum(a03);
            s10 = Vector512.Sum(a10); s11 = Vector512.Sum(a11); s12 = Vector512.Sum(a12); s13 = Vector512.Sum(a13);
        }
        else if (Vector256.IsHardwareAccelerated && k >= 8)
        {
            Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
            for (; i <= k - 8; i += 8)
            {
                Vector256<float> u = Vector256.Load(w0 + i), v = Vector256.Load(w1 + i);
                Vector256<float> c0 = Vector256.Load(x0 + i), c1 = Vector256.Load(x1 + i), c2 = Vector256.Load(x2 + i), c3 = Vector256.Load(x3 + i);
                a00 = Vector256.FusedMultiplyAdd(u, c0, a00);
                a01 = Vector256.FusedMultiplyAdd(u, c1, a01);
                a02 = Vector256.FusedMultiplyAdd(u, c2, a02);
                a03 = Vector256.FusedMultiplyAdd(u, c3, a03);
                a10 = Vector256.FusedMultiplyAdd(v, c0, a10);
                a11 = Vector256.FusedMultiplyAdd(v, c1, a11);
                a12 = Vector256.FusedMultiplyAdd(v, c2, a12);
                a13 = Vector256.FusedMultiplyAdd(v, c3, a13);
            }

            s00 = Vector256.Sum(a00); s01 = Vector256.Sum(a01); s02 = Vector256.Sum(a02); s03 = Vector256.Sum(a03);
            s10 = Vector256.Sum(a10); s11 = Vector256.Sum(a11); s12 = Vector256.Sum(a12); s13 = Vector256.Sum(a13);
        }

        for (; i < k; i++)
        {
            s00 += w0[i] * x0[i]; s01 += w0[i] * x1[i]; s02 += w0[i] * x2[i]; s03 += w0[i] * x3[i];
            s10 += w1[i] * x0[i]; s11 += w1[i] * x1[i]; s12 += w1[i] * x2[i]; s13 += w1[i] * x3[i];
        }

        y[0] = s00; y[yStride] = s01; y[2 * yStride] = s02; y[3 * yStride] = s03;
        y[1] = s10; y[yStride + 1] = s11; y[(2 * yStride) + 1] = s12; y[(3 * yStride) + 1] = s13;
    }
}
