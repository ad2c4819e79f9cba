using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// Vectorised passes over non-negative weights (softmax numerators): thresholding, counting and summing above a
/// threshold, splitting ids by threshold, and block sums for drawing.
/// </summary>
internal static class WeightPasses
{
    /// <summary>
    /// How many weights are at least <paramref name="threshold"/> and their sum (one vectorised pass; weights are
    /// non-negative).
    /// </summary>
    public static (int Count, double Mass) CountAndMassAtLeast(ReadOnlySpan<float> weights, float threshold)
    {
        ref float start = ref MemoryMarshal.GetReference(weights);
        int n = weights.Length;
        int i = 0;
        int count = 0;
        double mass = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> t = Vector512.Create(threshold);
            Vector512<float> acc = Vector512<float>.Zero;
            Vector512<int> counts = Vector512<int>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref start, (nuint)i);
                Vector512<float> keep = Vector512.GreaterThanOrEqual(v, t);
                acc += v & keep;
                counts -= keep.AsInt32();
            }

            mass = Vector512.Sum(acc);
            count = Vector512.Sum(counts);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> t = Vector256.Create(threshold);
            Vector256<float> acc = Vector256<float>.Zero;
            Vector256<int> counts = Vector256<int>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                Vector256<float> keep = Vector256.GreaterThanOrEqual(v, t);
                acc += v & keep;
                counts -= keep.AsInt32();
            }

            mass = Vector256.Sum(acc);
            count = Vector256.Sum(counts);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> t = Vector128.Create(threshold);
            Vector128<float> acc = Vector128<float>.Zero;
            Vector128<int> counts = Vector128<int>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref start, (nuint)i);
                Vector128<float> keep = Vector128.GreaterThanOrEqual(v, t);
                acc += v & keep;
                counts -= keep.AsInt32();
            }

            mass = Vector128.Sum(acc);
            count = Vector128.Sum(counts);
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref start, i);
            if (v >= threshold)
            {
                count++;
                mass += v;
            }
        }

        return (count, mass);
    }

    /// <summary>
    /// Splits ids by weight: those with weight &gt;= <paramref name="high"/> go to <paramref name="highIds"/>, those in
    /// [<paramref name="low"/>, <paramref name="high"/>) to <paramref name="bandIds"/>, both in increasing order.
    /// Vector compares skip the ids in neither; the destinations must be large enough.
    /// </summary>
    public static (int High, int Band) Partition(
        ReadOnlySpan<float> weights, float high, float low, Span<int> highIds, Span<int> bandIds)
    {
        ref float start = ref MemoryMarshal.GetReference(weights);
        int n = weights.Length;
        int i = 0;
        int highCount = 0;
        int bandCount = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> h = Vector512.Create(high);
            Vector512<float> l = Vector512.Create(low);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref start, (nuint)i);
                ulong atLeastLow = Vector512.GreaterThanOrEqual(v, l).ExtractMostSignificantBits();
                if (atLeastLow != 0)
                {
                    ulong atLeastHigh = Vector512.GreaterThanOrEqual(v, h).ExtractMostSignificantBits();
                    highCount = AppendSetBits(atLeastHigh, i, highIds, highCount);
                    bandCount = AppendSetBits(atLeastLow & ~atLeastHigh, i, bandIds, bandCount);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> h = Vector256.Create(high);
            Vector256<float> l = Vector256.Create(low);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref start, (nuint)i);
                uint atLeastLow = Vector256.GreaterThanOrEqual(v, l).ExtractMostSignificantBits();
                if (atLeastLow != 0)
                {
                    uint atLeastHigh = Vector256.GreaterThanOrEqual(v, h).ExtractMostSignificantBits();
                    highCount = AppendSetBits(atLeastHigh, i, highIds, highCount);
                    bandCount = AppendSetBits(atLeastLow & ~atLeastHigh, i, bandIds, bandCount);
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> h = Vector128.Create(high);
            Vector128<float> l = Vector128.Create(low);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref start, (nuint)i);
                uint atLeastLow = Vector128.GreaterThanOrEqual(v, l).ExtractMostSignificantBits();
                if (atLeastLow != 0)
                {
                    uint atLeastHigh = Vector128.GreaterThanOrEqual(v, h).ExtractMostSignificantBits();
                    highCount = AppendSetBits(atLeastHigh, i, highIds, highCount);
                    bandCount = AppendSetBits(atLeastLow & ~atLeastHigh, i, bandIds, bandCount);
                }
            }
        }

        for (; i < n; i++)
        {
            float v = Unsafe.Add(ref start, i);
            if (v >= high)
            {
                highIds[highCount++] = i;
            }
            else if (v >= low)
            {
                bandIds[bandCount++] = i;
            }
        }

        return (highCount, bandCount);
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
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> t = Vector128.Create(threshold);
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> v = Vector128.LoadUnsafe(ref start, (nuint)i);
                v = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(v, t), v, Vector128<float>.Zero);
                v.StoreUnsafe(ref start, (nuint)i);
                acc += v;
            }

            sum = Vector128.Sum(acc);
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

    private static int AppendSetBits(ulong mask, int offset, Span<int> destination, int count)
    {
        while (mask != 0)
        {
            destination[count++] = offset + BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
        }

        return count;
    }

    /// <summary>
    /// Writes the sum of each block of <paramref name="blockSize"/> weights (the last may be shorter) to
    /// <paramref name="sums"/> and returns their total, added block by block in double.
    /// </summary>
    public static double BlockSums(ReadOnlySpan<float> weights, Span<float> sums, int blockSize)
    {
        double total = 0;
        for (int b = 0, from = 0; from < weights.Length; b++, from += blockSize)
        {
            ReadOnlySpan<float> block = weights.Slice(from, Math.Min(blockSize, weights.Length - from));
            float sum = Sum(block);
            sums[b] = sum;
            total += sum;
        }

        return total;
    }

    private static float Sum(ReadOnlySpan<float> values)
    {
        ref float start = ref MemoryMarshal.GetReference(values);
        int n = values.Length;
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<float> acc = Vector512<float>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                acc += Vector512.LoadUnsafe(ref start, (nuint)i);
            }

            sum = Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                acc += Vector256.LoadUnsafe(ref start, (nuint)i);
            }

            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && n >= Vector128<float>.Count)
        {
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                acc += Vector128.LoadUnsafe(ref start, (nuint)i);
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref start, i);
        }

        return sum;
    }
}
