using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// Partial selection of the largest logits without sorting the whole row. A candidate is packed into one
/// <see cref="ulong"/>: the logit mapped to an order-preserving <see cref="uint"/> in the high half and the
/// complement of its id in the low half, so a larger key is a larger logit and, on ties, a lower id.
/// </summary>
internal static class TopSelection
{
    /// <summary>The id packed in <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IdOf(ulong key) => (int)~(uint)key;

    /// <summary>
    /// Fills <paramref name="top"/> with the keys of the <c>top.Length</c> largest logits, best first (ties: lowest id
    /// first). A min-heap of that size scans the row; whole vectors that cannot beat the heap's smallest entry are
    /// skipped with one compare, so the cost is close to one pass over the row when the selection is small.
    /// </summary>
    public static void SelectTop(ReadOnlySpan<float> logits, Span<ulong> top)
    {
        int m = top.Length;
        int n = logits.Length;
        if (m == 0)
        {
            return;
        }

        if (m > n)
        {
            throw new ArgumentException($"cannot select {m} of {n} logits", nameof(top));
        }

        for (int i = 0; i < m; i++)
        {
            top[i] = KeyOf(logits[i], i);
        }

        if (m < n)
        {
            for (int i = (m / 2) - 1; i >= 0; i--)
            {
                SiftDown(top, i);
            }

            ScanRest(logits, top, m);
        }

        top.Sort();
        top.Reverse();
    }

    private static void ScanRest(ReadOnlySpan<float> logits, Span<ulong> heap, int start)
    {
        ref float row = ref MemoryMarshal.GetReference(logits);
        int n = logits.Length;
        int i = start;
        float threshold = logits[IdOf(heap[0])];
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                if (Vector512.GreaterThanAny(Vector512.LoadUnsafe(ref row, (nuint)i), Vector512.Create(threshold)))
                {
                    threshold = OfferRange(logits, heap, i, i + Vector512<float>.Count, threshold);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                if (Vector256.GreaterThanAny(Vector256.LoadUnsafe(ref row, (nuint)i), Vector256.Create(threshold)))
                {
                    threshold = OfferRange(logits, heap, i, i + Vector256<float>.Count, threshold);
                }
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                if (Vector128.GreaterThanAny(Vector128.LoadUnsafe(ref row, (nuint)i), Vector128.Create(threshold)))
                {
                    threshold = OfferRange(logits, heap, i, i + Vector128<float>.Count, threshold);
                }
            }
        }

        OfferRange(logits, heap, i, n, threshold);
    }

    /// <summary>
    /// Offers ids [from, to) to the heap. Ids arrive in increasing order, so a logit equal to the heap's smallest
    /// never displaces it: among equal logits the lower ids stay.
    /// </summary>
    private static float OfferRange(ReadOnlySpan<float> logits, Span<ulong> heap, int from, int to, float threshold)
    {
        for (int j = from; j < to; j++)
        {
            float x = logits[j];
            if (x > threshold)
            {
                heap[0] = KeyOf(x, j);
                SiftDown(heap, 0);
                threshold = logits[IdOf(heap[0])];
            }
        }

        return threshold;
    }

    private static void SiftDown(Span<ulong> heap, int i)
    {
        int n = heap.Length;
        ulong item = heap[i];
        while (true)
        {
            int child = (2 * i) + 1;
            if (child >= n)
            {
                break;
            }

            if (child + 1 < n && heap[child + 1] < heap[child])
            {
                child++;
            }

            if (heap[child] >= item)
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        heap[i] = item;
    }

    /// <summary>The selection key of <paramref name="id"/> with <paramref name="logit"/>: larger is better.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong KeyOf(float logit, int id)
    {
        uint bits = BitConverter.SingleToUInt32Bits(logit);
        uint ordered = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)ordered << 32) | ~(uint)id;
    }
}
