using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// The batched micro-kernels for float weights: two or four weight rows against four activation rows in one pass
/// (eight or sixteen accumulators), so each loaded vector feeds several FMAs: 0.75 loads per FMA for 2x4, 0.5 for 4x4
/// (which needs 24 of the 32 AVX-512 registers), instead of 2 for one dot at a time.
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

    /// <summary>
    /// y[r * yStride + j] = Σ_i w_j[i] · x_r[i] for j in 0..3 (w_j = w + j * <paramref name="k"/>) and r in 0..3
    /// (x_r = x + r * <paramref name="k"/>). With AVX-512 sixteen accumulators; otherwise two 2x4 passes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot4x4(float* w, float* x, int k, float* y, long yStride)
    {
        if (!Vector512.IsHardwareAccelerated || k < 16)
        {
            Dot2x4(w, w + k, x, k, y, yStride);
            Dot2x4(w + (2 * k), w + (3 * k), x, k, y + 2, yStride);
            return;
        }

        float* w0 = w, w1 = w + k, w2 = w + (2 * k), w3 = w + (3 * k);
        float* x0 = x, x1 = x + k, x2 = x + (2 * k), x3 = x + (3 * k);
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int i = 0;
        for (; i <= k - 16; i += 16)
        {
            Vector512<float> c0 = Vector512.Load(x0 + i), c1 = Vector512.Load(x1 + i), c2 = Vector512.Load(x2 + i), c3 = Vector512.Load(x3 + i);
            Vector512<float> u = Vector512.Load(w0 + i);
            a00 = Vector512.FusedMultiplyAdd(u, c0, a00);
            a01 = Vector512.FusedMultiplyAdd(u, c1, a01);
            a02 = Vector512.FusedMultiplyAdd(u, c2, a02);
            a03 = Vector512.FusedMultiplyAdd(u, c3, a03);
            u = Vector512.Load(w1 + i);
            a10 = Vector512.FusedMultiplyAdd(u, c0, a10);
            a11 = Vector512.FusedMultiplyAdd(u, c1, a11);
            a12 = Vector512.FusedMultiplyAdd(u, c2, a12);
            a13 = Vector512.FusedMultiplyAdd(u, c3, a13);
            u = Vector512.Load(w2 + i);
            a20 = Vector512.FusedMultiplyAdd(u, c0, a20);
            a21 = Vector512.FusedMultiplyAdd(u, c1, a21);
            a22 = Vector512.FusedMultiplyAdd(u, c2, a22);
            a23 = Vector512.FusedMultiplyAdd(u, c3, a23);
            u = Vector512.Load(w3 + i);
            a30 = Vector512.FusedMultiplyAdd(u, c0, a30);
            a31 = Vector512.FusedMultiplyAdd(u, c1, a31);
            a32 = Vector512.FusedMultiplyAdd(u, c2, a32);
            a33 = Vector512.FusedMultiplyAdd(u, c3, a33);
        }

        float s00 = Vector512.Sum(a00), s01 = Vector512.Sum(a01), s02 = Vector512.Sum(a02), s03 = Vector512.Sum(a03);
        float s10 = Vector512.Sum(a10), s11 = Vector512.Sum(a11), s12 = Vector512.Sum(a12), s13 = Vector512.Sum(a13);
        float s20 = Vector512.Sum(a20), s21 = Vector512.Sum(a21), s22 = Vector512.Sum(a22), s23 = Vector512.Sum(a23);
        float s30 = Vector512.Sum(a30), s31 = Vector512.Sum(a31), s32 = Vector512.Sum(a32), s33 = Vector512.Sum(a33);
        for (; i < k; i++)
        {
            s00 += w0[i] * x0[i]; s01 += w0[i] * x1[i]; s02 += w0[i] * x2[i]; s03 += w0[i] * x3[i];
            s10 += w1[i] * x0[i]; s11 += w1[i] * x1[i]; s12 += w1[i] * x2[i]; s13 += w1[i] * x3[i];
            s20 += w2[i] * x0[i]; s21 += w2[i] * x1[i]; s22 += w2[i] * x2[i]; s23 += w2[i] * x3[i];
            s30 += w3[i] * x0[i]; s31 += w3[i] * x1[i]; s32 += w3[i] * x2[i]; s33 += w3[i] * x3[i];
        }

        y[0] = s00; y[yStride] = s01; y[2 * yStride] = s02; y[3 * yStride] = s03;
        y[1] = s10; y[yStride + 1] = s11; y[(2 * yStride) + 1] = s12; y[(3 * yStride) + 1] = s13;
        y[2] = s20; y[yStride + 2] = s21; y[(2 * yStride) + 2] = s22; y[(3 * yStride) + 2] = s23;
        y[3] = s30; y[yStride + 3] = s31; y[(2 * yStride) + 3] = s32; y[(3 * yStride) + 3] = s33;
    }
}
