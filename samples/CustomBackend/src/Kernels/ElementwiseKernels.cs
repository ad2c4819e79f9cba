using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Contoso.LlmBackend.Kernels;

/// <summary>Element-wise ops over whole tensors (rows are contiguous, so a tensor is one flat span): Vector256 body, scalar tail.</summary>
internal static class ElementwiseKernels
{
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        int n = y.Length;
        ref float ar = ref MemoryMarshal.GetReference(a[..n]);
        ref float br = ref MemoryMarshal.GetReference(b[..n]);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref ar, (nuint)i) + Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = a[i] + b[i];
        }
    }

    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        int n = y.Length;
        ref float ar = ref MemoryMarshal.GetReference(a[..n]);
        ref float br = ref MemoryMarshal.GetReference(b[..n]);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref ar, (nuint)i) * Vector256.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = a[i] * b[i];
        }
    }

    public static void Scale(ReadOnlySpan<float> x, float factor, Span<float> y)
    {
        int n = y.Length;
        ref float xr = ref MemoryMarshal.GetReference(x[..n]);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> f = Vector256.Create(factor);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (Vector256.LoadUnsafe(ref xr, (nuint)i) * f).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = x[i] * factor;
        }
    }

    /// <summary>y = x * sigmoid(x) = x / (1 + e^-x). For x below about -88, e^-x is infinite and y a signed zero, within the op's floor.</summary>
    public static void Silu(ReadOnlySpan<float> x, Span<float> y)
    {
        int n = y.Length;
        ref float xr = ref MemoryMarshal.GetReference(x[..n]);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                SiluVector(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = x[i] / (1 + MathF.Exp(-x[i]));
        }
    }

    /// <summary>y = silu(gate) * up.</summary>
    public static void SwiGlu(ReadOnlySpan<float> gate, ReadOnlySpan<float> up, Span<float> y)
    {
        int n = y.Length;
        ref float gr = ref MemoryMarshal.GetReference(gate[..n]);
        ref float ur = ref MemoryMarshal.GetReference(up[..n]);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                (SiluVector(Vector256.LoadUnsafe(ref gr, (nuint)i)) * Vector256.LoadUnsafe(ref ur, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = gate[i] / (1 + MathF.Exp(-gate[i])) * up[i];
        }
    }

    private static Vector256<float> SiluVector(Vector256<float> x) => x / (Vector256<float>.One + Vector256.Exp(-x));
}
