using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// Vectorised softmax numerators over a logit row: exp((x - shift) * scale) stored or summed, with
/// <see cref="ExpKernel"/> so that every vector width and the scalar tail agree bit for bit.
/// </summary>
internal static class ExpPasses
{
    /// <summary>Writes <c>exp((x - shift) * scale)</c> for every element to <paramref name="destination"/>; returns their sum.</summary>
    public static double ExpShifted(ReadOnlySpan<float> source, Span<float> destination, float shift, float scale)
    {
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination[..source.Length]);
        int n = source.Length;
        int i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> s = Vector512.Create(shift);
            Vector512<float> k = Vector512.Create(scale);
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> e = ExpKernel.Exp((Vector512.LoadUnsafe(ref src, (nuint)i) - s) * k);
                e.StoreUnsafe(ref dst, (nuint)i);
                acc += e;
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> s = Vector256.Create(shift);
            Vector256<float> k = Vector256.Create(scale);
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> e = ExpKernel.Exp((Vector256.LoadUnsafe(ref src, (nuint)i) - s) * k);
                e.StoreUnsafe(ref dst, (nuint)i);
                acc += e;
            }

            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> s = Vector128.Create(shift);
            Vector128<float> k = Vector128.Create(scale);
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> e = ExpKernel.Exp((Vector128.LoadUnsafe(ref src, (nuint)i) - s) * k);
                e.StoreUnsafe(ref dst, (nuint)i);
                acc += e;
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            float e = ExpKernel.Exp((Unsafe.Add(ref src, i) - shift) * scale);
            Unsafe.Add(ref dst, i) = e;
            sum += e;
        }

        return sum;
    }

    /// <summary>Sum of <c>exp((x - shift) * scale)</c> over <paramref name="source"/>, stored nowhere.</summary>
    public static double SumExpShifted(ReadOnlySpan<float> source, float shift, float scale)
    {
        ref float src = ref MemoryMarshal.GetReference(source);
        int n = source.Length;
        int i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> s = Vector512.Create(shift);
            Vector512<float> k = Vector512.Create(scale);
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc += ExpKernel.Exp((Vector512.LoadUnsafe(ref src, (nuint)i) - s) * k);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> s = Vector256.Create(shift);
            Vector256<float> k = Vector256.Create(scale);
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc += ExpKernel.Exp((Vector256.LoadUnsafe(ref src, (nuint)i) - s) * k);
            }

            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> s = Vector128.Create(shift);
            Vector128<float> k = Vector128.Create(scale);
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                acc += ExpKernel.Exp((Vector128.LoadUnsafe(ref src, (nuint)i) - s) * k);
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += ExpKernel.Exp((Unsafe.Add(ref src, i) - shift) * scale);
        }

        return sum;
    }
}
