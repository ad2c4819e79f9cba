using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmFramework.Backends.Cpu.Kernels;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// Inner loops of attention over one cache block: scores q·k_j for consecutive slots, and y += p_j·v_j. For head
/// dims of 64 and 128 with 512-bit vectors the query (scores) or the output (values) stays in registers across all
/// slots, instead of a call, reloads and a store per slot; other shapes use the general reductions.
/// </summary>
internal static unsafe class AttentionKernels
{
    /// <summary>scores[j] = scale · q·k_j for j in 0..count-1, k_j at keys + j·stride; returns the largest score.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Scores(float* q, float* keys, int stride, int dim, int count, float scale, float* scores, float max)
    {
        if (Vector512.IsHardwareAccelerated && dim == 64)
        {
            Vector512<float> q0 = Vector512.Load(q), q1 = Vector512.Load(q + 16), q2 = Vector512.Load(q + 32), q3 = Vector512.Load(q + 48);
            for (int j = 0; j < count; j++)
            {
                float* k = keys + ((long)j * stride);
                Vector512<float> a = Vector512.FusedMultiplyAdd(q1, Vector512.Load(k + 16), q0 * Vector512.Load(k));
                Vector512<float> b = Vector512.FusedMultiplyAdd(q3, Vector512.Load(k + 48), q2 * Vector512.Load(k + 32));
                float s = Vector512.Sum(a + b) * scale;
                scores[j] = s;
                max = MathF.Max(max, s);
            }

            return max;
        }

        if (Vector512.IsHardwareAccelerated && dim == 128)
        {
            Vector512<float> q0 = Vector512.Load(q), q1 = Vector512.Load(q + 16), q2 = Vector512.Load(q + 32), q3 = Vector512.Load(q + 48);
            Vector512<float> q4 = Vector512.Load(q + 64), q5 = Vector512.Load(q + 80), q6 = Vector512.Load(q + 96), q7 = Vector512.Load(q + 112);
            for (int j = 0; j < count; j++)
            {
                float* k = keys + ((long)j * stride);
                Vector512<float> a = Vector512.FusedMultiplyAdd(q1, Vector512.Load(k + 16), q0 * Vector512.Load(k));
                Vector512<float> b = Vector512.FusedMultiplyAdd(q3, Vector512.Load(k + 48), q2 * Vector512.Load(k + 32));
                a = Vector512.FusedMultiplyAdd(q5, Vector512.Load(k + 80), Vector512.FusedMultiplyAdd(q4, Vector512.Load(k + 64), a));
                b = Vector512.FusedMultiplyAdd(q7, Vector512.Load(k + 112), Vector512.FusedMultiplyAdd(q6, Vector512.Load(k + 96), b));
                float s = Vector512.Sum(a + b) * scale;
                scores[j] = s;
                max = MathF.Max(max, s);
            }

            return max;
        }

        for (int j = 0; j < count; j++)
        {
            float s = Reductions.Dot(q, keys + ((long)j * stride), dim) * scale;
            scores[j] = s;
            max = MathF.Max(max, s);
        }

        return max;
    }

    /// <summary>scores[j] += scale · q·k_j for j in 0..count-1, k_j at keys + j·stride; returns the largest score.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float AddScores(float* q, float* keys, int stride, int dim, int count, float scale, float* scores, float max)
    {
        for (int j = 0; j < count; j++)
        {
            float s = scores[j] + (Reductions.Dot(q, keys + ((long)j * stride), dim) * scale);
            scores[j] = s;
            max = MathF.Max(max, s);
        }

        return max;
    }

    /// <summary>y += Σ_j p[j]·v_j for j in 0..count-1, v_j at values + j·stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateValues(float* p, float* values, int stride, int dim, int count, float* y)
    {
        if (Vector512.IsHardwareAccelerated && dim == 64)
        {
            Vector512<float> y0 = Vector512.Load(y), y1 = Vector512.Load(y + 16), y2 = Vector512.Load(y + 32), y3 = Vector512.Load(y + 48);
            for (int j = 0; j < count; j++)
            {
                float* v = values + ((long)j * stride);
                var pj = Vector512.Create(p[j]);
                y0 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v), y0);
                y1 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 16), y1);
                y2 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 32), y2);
                y3 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 48), y3);
            }

            y0.Store(y);
            y1.Store(y + 16);
            y2.Store(y + 32);
            y3.Store(y + 48);
            return;
        }

        if (Vector512.IsHardwareAccelerated && dim == 128)
        {
            Vector512<float> y0 = Vector512.Load(y), y1 = Vector512.Load(y + 16), y2 = Vector512.Load(y + 32), y3 = Vector512.Load(y + 48);
            Vector512<float> y4 = Vector512.Load(y + 64), y5 = Vector512.Load(y + 80), y6 = Vector512.Load(y + 96), y7 = Vector512.Load(y + 112);
            for (int j = 0; j < count; j++)
            {
                float* v = values + ((long)j * stride);
                var pj = Vector512.Create(p[j]);
                y0 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v), y0);
                y1 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 16), y1);
                y2 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 32), y2);
                y3 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 48), y3);
                y4 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 64), y4);
                y5 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 80), y5);
                y6 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 96), y6);
                y7 = Vector512.FusedMultiplyAdd(pj, Vector512.Load(v + 112), y7);
            }

            y0.Store(y);
            y1.Store(y + 16);
            y2.Store(y + 32);
            y3.Store(y + 48);
            y4.Store(y + 64);
            y5.Store(y + 80);
            y6.Store(y + 96);
            y7.Store(y + 112);
            return;
        }

        for (int j = 0; j < count; j++)
        {
            Reductions.MultiplyAdd(values + ((long)j * stride), p[j], y, dim);
        }
    }
}
