using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Contoso.LlmBackend.Kernels;

/// <summary>F32 dot product: Vector256 with two accumulators (hides the add latency), scalar tail and fallback.</summary>
internal static class DotKernel
{
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        int n = x.Length;
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(w[..n]);
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> acc0 = Vector256<float>.Zero;
            Vector256<float> acc1 = Vector256<float>.Zero;
            for (; i <= n - (2 * Vector256<float>.Count); i += 2 * Vector256<float>.Count)
            {
                acc0 += Vector256.LoadUnsafe(ref xr, (nuint)i) * Vector256.LoadUnsafe(ref wr, (nuint)i);
                acc1 += Vector256.LoadUnsafe(ref xr, (nuint)(i + Vector256<float>.Count)) * Vector256.LoadUnsafe(ref wr, (nuint)(i + Vector256<float>.Count));
            }

            if (i <= n - Vector256<float>.Count)
            {
                acc0 += Vector256.LoadUnsafe(ref xr, (nuint)i) * Vector256.LoadUnsafe(ref wr, (nuint)i);
                i += Vector256<float>.Count;
            }

            sum = Vector256.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += x[i] * w[i];
        }

        return sum;
    }
}
