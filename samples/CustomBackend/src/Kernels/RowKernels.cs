using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Contoso.LlmBackend.Kernels;

/// <summary>Ops that reduce over each row first: RmsNorm and Softmax.</summary>
internal static class RowKernels
{
    /// <summary>y = x / sqrt(mean(x^2) + eps) * w, row by row (x and y hold whole rows of weight.Length values).</summary>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, float epsilon, Span<float> y)
    {
        int d = weight.Length;
        for (int start = 0; start < y.Length; start += d)
        {
            ReadOnlySpan<float> row = x.Slice(start, d);
            float inverseRms = (float)(1 / Math.Sqrt((DotKernel.Dot(row, row) / (double)d) + epsilon));
            ElementwiseKernels.Scale(row, inverseRms, y.Slice(start, d));
            ElementwiseKernels.Multiply(y.Slice(start, d), weight, y.Slice(start, d));
        }
    }

    /// <summary>Softmax of each row of <paramref name="columns"/> values, the row max subtracted first (no overflow for large logits).</summary>
    public static void Softmax(ReadOnlySpan<float> x, int columns, Span<float> y)
    {
        for (int start = 0; start < y.Length; start += columns)
        {
            ReadOnlySpan<float> row = x.Slice(start, columns);
            Span<float> output = y.Slice(start, columns);
            float max = Max(row);
            float sum = ExpSubtract(row, max, output);
            ElementwiseKernels.Scale(output, 1 / sum, output);
        }
    }

    private static float Max(ReadOnlySpan<float> x)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            Vector256<float> m = Vector256.Create(float.NegativeInfinity);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                m = Vector256.Max(m, Vector256.LoadUnsafe(ref xr, (nuint)i));
            }

            for (int lane = 0; lane < Vector256<float>.Count; lane++)
            {
                max = MathF.Max(max, m[lane]);
            }
        }

        for (; i < x.Length; i++)
        {
            max = MathF.Max(max, x[i]);
        }

        return max;
    }

    /// <summary>y = e^(x - shift); returns the sum of y.</summary>
    private static float ExpSubtract(ReadOnlySpan<float> x, float shift, Span<float> y)
    {
        int n = y.Length;
        ref float xr = ref MemoryMarshal.GetReference(x[..n]);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> s = Vector256.Create(shift);
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> e = Vector256.Exp(Vector256.LoadUnsafe(ref xr, (nuint)i) - s);
                e.StoreUnsafe(ref yr, (nuint)i);
                acc += e;
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            y[i] = MathF.Exp(x[i] - shift);
            sum += y[i];
        }

        return sum;
    }
}
