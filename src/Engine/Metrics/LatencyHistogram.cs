namespace LlmFramework.Engine.Metrics;

/// <summary>
/// A thread-safe histogram of durations in seconds with fixed bucket bounds (Prometheus style: each bucket counts the
/// observations at or below its bound; one more bucket counts everything).
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Bucket bounds used by the engine's latency histograms, in seconds.</summary>
    public static readonly IReadOnlyList<double> DefaultBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _sumMicroseconds;
    private long _count;

    /// <summary>Creates a histogram with <paramref name="bounds"/> (ascending; default <see cref="DefaultBounds"/>).</summary>
    public LatencyHistogram(IReadOnlyList<double>? bounds = null)
    {
        _bounds = [.. bounds ?? DefaultBounds];
        for (int i = 1; i < _bounds.Length; i++)
        {
            if (!(_bounds[i] > _bounds[i - 1]))
            {
                throw new ArgumentException("histogram bounds must be strictly ascending", nameof(bounds));
            }
        }

        _counts = new long[_bounds.Length + 1];
    }

    /// <summary>The upper bounds of the buckets, ascending (the last, +Inf bucket is implicit).</summary>
    public IReadOnlyList<double> Bounds => _bounds;

    /// <summary>Observations so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Sum of the observations, in seconds.</summary>
    public double Sum => Interlocked.Read(ref _sumMicroseconds) / 1e6;

    /// <summary>Records one duration.</summary>
    public void Observe(double seconds)
    {
        if (double.IsNaN(seconds))
        {
            return;
        }

        seconds = Math.Max(0, seconds);
        int bucket = Array.BinarySearch(_bounds, seconds);
        bucket = bucket >= 0 ? bucket : ~bucket;
        Interlocked.Increment(ref _counts[bucket]);
        Interlocked.Add(ref _sumMicroseconds, (long)Math.Round(Math.Min(seconds, 1e6) * 1e6));
        Interlocked.Increment(ref _count);
    }

    /// <summary>Cumulative counts: entry i counts observations &lt;= Bounds[i]; the last entry (index Bounds.Count) counts all.</summary>
    public long[] CumulativeCounts()
    {
        long[] result = new long[_counts.Length];
        long running = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            running += Interlocked.Read(ref _counts[i]);
            result[i] = running;
        }

        return result;
    }

    /// <summary>An estimate of quantile <paramref name="q"/> (0..1): the bound of the bucket it falls in (NaN when empty).</summary>
    public double Quantile(double q)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1);
        long[] cumulative = CumulativeCounts();
        long total = cumulative[^1];
        if (total == 0)
        {
            return double.NaN;
        }

        long rank = (long)Math.Ceiling(q * total);
        for (int i = 0; i < _bounds.Length; i++)
        {
            if (cumulative[i] >= rank)
            {
                return _bounds[i];
            }
        }

        return double.PositiveInfinity;
    }
}
