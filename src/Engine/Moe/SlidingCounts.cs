namespace LlmFramework.Engine.Moe;

/// <summary>
/// Counts per cell over a sliding window of the last <see cref="WindowSteps"/> steps and since the counts began: a ring
/// of per-step buckets, with a running window sum that drops a bucket as it is reused. O(1) per count, no allocation
/// after construction. Not thread-safe: the owner locks.
/// </summary>
internal sealed class SlidingCounts
{
    private readonly int[][] _buckets;
    private readonly long[] _window;
    private readonly long[] _total;
    private int _current;

    /// <summary>Counts for <paramref name="cells"/> cells over <paramref name="windowSteps"/> steps.</summary>
    public SlidingCounts(int cells, int windowSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cells, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSteps, 1);
        WindowSteps = windowSteps;
        _buckets = new int[windowSteps][];
        for (int i = 0; i < windowSteps; i++)
        {
            _buckets[i] = new int[cells];
        }

        _window = new long[cells];
        _total = new long[cells];
    }

    /// <summary>Steps in the window.</summary>
    public int WindowSteps { get; }

    /// <summary>Steps ended so far.</summary>
    public long Steps { get; private set; }

    /// <summary>The window counts, per cell.</summary>
    public ReadOnlySpan<long> Window => _window;

    /// <summary>The counts since the start, per cell.</summary>
    public ReadOnlySpan<long> Total => _total;

    /// <summary>Counts one event of <paramref name="cell"/> in the current step.</summary>
    public void Add(int cell)
    {
        _buckets[_current][cell]++;
        _window[cell]++;
        _total[cell]++;
    }

    /// <summary>Closes the current step: the oldest bucket leaves the window and becomes the new current one.</summary>
    public void EndStep()
    {
        Steps++;
        _current = (_current + 1) % WindowSteps;
        int[] reused = _buckets[_current];
        for (int i = 0; i < reused.Length; i++)
        {
            _window[i] -= reused[i];
        }

        Array.Clear(reused);
    }

    /// <summary>
    /// Replaces every count with saved ones: <paramref name="total"/> as the counts since the start and
    /// <paramref name="window"/> as the oldest bucket of the window, so they age out as new steps are counted.
    /// </summary>
    public void Restore(Func<int, long> window, Func<int, long> total)
    {
        foreach (int[] bucket in _buckets)
        {
            Array.Clear(bucket);
        }

        int oldest = (_current + 1) % WindowSteps;
        for (int i = 0; i < _window.Length; i++)
        {
            long w = Math.Min(window(i), int.MaxValue);
            _buckets[oldest][i] = (int)w;
            _window[i] = w;
            _total[i] = total(i);
        }
    }
}
