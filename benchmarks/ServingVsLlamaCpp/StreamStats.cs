using System.Diagnostics;

namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>
/// What one run of N streams measured. Aggregate tokens/s = every generated token (the first of each stream
/// included) / wall time from the first submission to the last token. Steady decode tokens/s = tokens that arrived
/// after the last stream's first token / the time from then to the last token (all streams decoding, no prefill).
/// TTFT = per stream, submission to first token.
/// </summary>
internal sealed record StreamStats(
    string Engine,
    int Streams,
    long Tokens,
    double WallSeconds,
    double AggregateTps,
    double? SteadyDecodeTps,
    double TtftMeanMs,
    double TtftP50Ms,
    double TtftP95Ms,
    double TtftMaxMs,
    long Steps,
    long? PrefixCacheHitTokens)
{
    public static StreamStats From(string engine, RunTimings run)
    {
        long tokens = 0;
        long last = run.StartedAt;
        long lastFirst = run.StartedAt;
        var ttft = new double[run.Streams.Count];
        for (int s = 0; s < run.Streams.Count; s++)
        {
            StreamTimings stream = run.Streams[s];
            ReadOnlySpan<long> times = stream.TokenTimestamps;
            if (times.IsEmpty)
            {
                throw new InvalidOperationException($"{engine}: stream {s} produced no token");
            }

            tokens += times.Length;
            last = Math.Max(last, times[^1]);
            lastFirst = Math.Max(lastFirst, times[0]);
            ttft[s] = Stopwatch.GetElapsedTime(stream.SubmittedAt, times[0]).TotalMilliseconds;
        }

        long steadyTokens = 0;
        foreach (StreamTimings stream in run.Streams)
        {
            foreach (long t in stream.TokenTimestamps)
            {
                if (t > lastFirst)
                {
                    steadyTokens++;
                }
            }
        }

        double wall = Stopwatch.GetElapsedTime(run.StartedAt, last).TotalSeconds;
        double steadySeconds = Stopwatch.GetElapsedTime(lastFirst, last).TotalSeconds;
        Array.Sort(ttft);
        return new StreamStats(
            engine,
            run.Streams.Count,
            tokens,
            wall,
            tokens / wall,
            steadyTokens > 0 && steadySeconds > 0 ? steadyTokens / steadySeconds : null,
            ttft.Average(),
            Percentile(ttft, 0.50),
            Percentile(ttft, 0.95),
            ttft[^1],
            run.Steps,
            run.PrefixCacheHitTokens);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
}
