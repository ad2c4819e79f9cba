namespace LlmFramework.Tokenizers;

/// <summary>
/// Merges a sequence of symbol ids pair by pair, best pair first (lowest key, then leftmost), with a heap and a
/// linked list so that long inputs cost O(n log n).
/// </summary>
internal static class BpeMerger
{
    /// <summary>Looks up the merge of two adjacent symbols: its priority key (lower merges first) and the result.</summary>
    public delegate bool PairLookup(int left, int right, out double key, out int merged);

    public static int Merge(Span<int> ids, PairLookup lookup)
    {
        int n = ids.Length;
        if (n < 2)
        {
            return n;
        }

        var next = new int[n];
        var prev = new int[n];
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1;
            prev[i] = i - 1;
        }

        next[n - 1] = -1;
        var alive = new bool[n];
        Array.Fill(alive, true);
        var heap = new PriorityQueue<(int Left, int Right, int LeftId, int RightId, int Merged), (double Key, int Pos)>();
        for (int i = 0; i + 1 < n; i++)
        {
            if (lookup(ids[i], ids[i + 1], out double key, out int merged))
            {
                heap.Enqueue((i, i + 1, ids[i], ids[i + 1], merged), (key, i));
            }
        }

        while (heap.TryDequeue(out var item, out _))
        {
            int l = item.Left, r = item.Right;
            if (!alive[l] || !alive[r] || next[l] != r || ids[l] != item.LeftId || ids[r] != item.RightId)
            {
                continue;
            }

            ids[l] = item.Merged;
            alive[r] = false;
            next[l] = next[r];
            if (next[r] >= 0)
            {
                prev[next[r]] = l;
            }

            int p = prev[l];
            if (p >= 0 && lookup(ids[p], ids[l], out double k1, out int m1))
            {
                heap.Enqueue((p, l, ids[p], ids[l], m1), (k1, p));
            }

            int q = next[l];
            if (q >= 0 && lookup(ids[l], ids[q], out double k2, out int m2))
            {
                heap.Enqueue((l, q, ids[l], ids[q], m2), (k2, l));
            }
        }

        int count = 0;
        for (int i = 0; i >= 0; i = next[i])
        {
            ids[count++] = ids[i];
        }

        return count;
    }
}
