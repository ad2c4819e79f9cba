using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// Vectorised passes over a logit row: max, first argmax, shifted exponentials and their sum. Each picks the widest
/// accelerated vector width and finishes the tail with scalar code.
/// </summary>
internal static class LogitMath
{
    /// <summary>Largest value (NaN if any lane met a NaN); the span must not be empty.</summary>
    public static float Max(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int i = 0;
        float max = float.NegativeInfinity;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> acc = Vector512.Create(float.NegativeInfinity);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc = Vector512.Max(acc, Vector512.LoadUnsafe(ref start, (nuint)i));
            }

            max = HorizontalMax(acc.GetLower(), acc.GetUpper());
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> acc = Vector256.Create(float.NegativeInfinity);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc = Vector256.Max(acc, Vector256.LoadUnsafe(ref start, (nuint)i));
            }

            max = HorizontalMax(acc);
        }

        for (; i < n; i++)
        {
            max = MathF.Max(max, Unsafe.Add(ref start, i));
        }

        return max;
    }

    /// <summary>First index holding the maximum, or -1 when the maximum is NaN (or the span is empty).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return -1;
        }

        float max = Max(values);
        if (float.IsNaN(max))
        {
            return -1;
        }

        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> target = Vector512.Create(max);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                ulong mask = Vector512.Equals(Vector512.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
                if (mask != 0)
                {
                    return i + BitOperations.TrailingZeroCount(mask);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> target = Vector256.Create(max);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                uint mask = Vector256.Equals(Vector256.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
                if (mask != 0)
                {
                    return i + BitOperations.TrailingZeroCount(mask);
                }
            }
        }

        for (; i < n; i++)
        {
            if (Unsafe.Add(ref start, i) == max)
            {
                return i;
            }
        }

        return -1;
    }

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
                Vector512<float> e = Vector512.Exp((Vector512.LoadUnsafe(ref src, (nuint)i) - s) * k);
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
                Vector256<float> e = Vector256.Exp((Vector256.LoadUnsafe(ref src, (nuint)i) - s) * k);
                e.StoreUnsafe(ref dst, (nuint)i);
                acc += e;
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            float e = MathF.Exp((Unsafe.Add(ref src, i) - shift) * scale);
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
                acc += Vector512.Exp((Vector512.LoadUnsafe(ref src, (nuint)i) - s) * k);
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
                acc += Vector256.Exp((Vector256.LoadUnsafe(ref src, (nuint)i) - s) * k);
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += MathF.Exp((Unsafe.Add(ref src, i) - shift) * scale);
        }

        return sum;
    }

    /// <summary>Sets every element below <paramref name="threshold"/> to zero; returns the sum of the rest.</summary>
    public static double ZeroBelow(Span<float> values, float threshold)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> t = Vector512.Create(threshold);
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref start, (nuint)i);
                v = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, t), v, Vector512<float>.Zero);
                v.StoreUnsafe(ref start, (nuint)i);
                acc += v;
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> t = Vector256.Create(threshold);
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                v = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, t), v, Vector256<float>.Zero);
                v.StoreUnsafe(ref start, (nuint)i);
                acc += v;
            }

            sum = Vector256.Sum(acc);
        }

        for (; i < n; i++)
        {
            ref float v = ref Unsafe.Add(ref start, i);
            if (!(v >= threshold))
            {
                v = 0f;
            }

            sum += v;
        }

        return sum;
    }

    private static float HorizontalMax(Vector256<float> a, Vector256<float> b) => HorizontalMax(Vector256.Max(a, b));

    private static float HorizontalMax(Vector256<float> v)
    {
        Vector128<float> m = Vector128.Max(v.GetLower(), v.GetUpper());
        float max = m.GetElement(0);
        for (int i = 1; i < Vector128<float>.Count; i++)
        {
            max = MathF.Max(max, m.GetElement(i));
        }

        return max;
    }
}
