using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// Vectorised passes over a logit row: the maximum and the first index holding it. Each picks the widest
/// accelerated vector width (512, 256, 128 bits) and finishes the tail with scalar code.
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
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> acc = Vector128.Create(float.NegativeInfinity);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                acc = Vector128.Max(acc, Vector128.LoadUnsafe(ref start, (nuint)i));
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
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> target = Vector128.Create(max);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                uint mask = Vector128.Equals(Vector128.LoadUnsafe(ref start, (nuint)i), target).ExtractMostSignificantBits();
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

    private static float HorizontalMax(Vector256<float> a, Vector256<float> b) => HorizontalMax(Vector256.Max(a, b));

    private static float HorizontalMax(Vector256<float> v) => HorizontalMax(Vector128.Max(v.GetLower(), v.GetUpper()));

    private static float HorizontalMax(Vector128<float> v)
    {
        float max = v.GetElement(0);
        for (int i = 1; i < Vector128<float>.Count; i++)
        {
            max = MathF.Max(max, v.GetElement(i));
        }

        return max;
    }
}
