using System.Diagnostics;

namespace LlmFramework.Engine.Metrics;

/// <summary>
/// Live counters of an <see cref="InferenceEngine"/>: queue, running sequences, KV-cache blocks, prefix-cache hits,
/// preemptions, token counts and latency histograms. Written by the engine's step thread, readable from any thread
/// (each value is individually consistent; a set of values read together may straddle a step).
/// </summary>
public sealed class EngineMetrics
{
    private const int RateSamples = 64;
    private readonly long[] _rateTimestamps = new long[RateSamples];
    private readonly long[] _rateTokens = new long[RateSamples];
    private int _rateNext;
    private long _lastRateSample;

    private long _promptTokens;
    private long _generatedTokens;
    private long _prefixQueryTokens;
    private long _prefixHitTokens;
    private long _preemptions;
    private long _finished;
    private long _cancelled;
    private long _failed;
    private long _rejected;
    private long _steps;

    /// <summary>Requests waiting to start (new ones and preempted ones).</summary>
    public int QueuedRequests { get; internal set; }

    /// <summary>Sequences admitted and running (prefilling or decoding).</summary>
    public int RunningSequences { get; internal set; }

    /// <summary>Blocks in the KV cache.</summary>
    public int KvBlocksTotal { get; internal set; }

    /// <summary>Blocks held by at least one sequence.</summary>
    public int KvBlocksUsed { get; internal set; }

    /// <summary>Blocks no sequence holds (some may still hold a cached prefix, reusable until evicted).</summary>
    public int KvBlocksFree => KvBlocksTotal - KvBlocksUsed;

    /// <summary>Full blocks registered in the prefix cache (in use or evictable).</summary>
    public int KvBlocksCached { get; internal set; }

    /// <summary>Prompt tokens processed (prefilled or found in the prefix cache).</summary>
    public long PromptTokens => Interlocked.Read(ref _promptTokens);

    /// <summary>Tokens generated.</summary>
    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);

    /// <summary>Prompt tokens looked up in the prefix cache.</summary>
    public long PrefixCacheQueryTokens => Interlocked.Read(ref _prefixQueryTokens);

    /// <summary>Prompt tokens whose KV came from the prefix cache.</summary>
    public long PrefixCacheHitTokens => Interlocked.Read(ref _prefixHitTokens);

    /// <summary>Hit tokens / query tokens (0 before any query).</summary>
    public double PrefixCacheHitRate
    {
        get
        {
            long q = PrefixCacheQueryTokens;
            return q == 0 ? 0 : (double)PrefixCacheHitTokens / q;
        }
    }

    /// <summary>Times a running sequence gave its KV blocks back to make room (to be recomputed later).</summary>
    public long Preemptions => Interlocked.Read(ref _preemptions);

    /// <summary>Generations that ended normally (length, stop, end of sequence, context full).</summary>
    public long RequestsFinished => Interlocked.Read(ref _finished);

    /// <summary>Generations cancelled by their caller.</summary>
    public long RequestsCancelled => Interlocked.Read(ref _cancelled);

    /// <summary>Generations that ended with an error.</summary>
    public long RequestsFailed => Interlocked.Read(ref _failed);

    /// <summary>Requests refused because the queue was full.</summary>
    public long RequestsRejected => Interlocked.Read(ref _rejected);

    /// <summary>Steps run by the scheduler.</summary>
    public long Steps => Interlocked.Read(ref _steps);

    /// <summary>From a request's arrival to its first generated token.</summary>
    public LatencyHistogram TimeToFirstToken { get; } = new();

    /// <summary>Between two consecutive tokens of one generation.</summary>
    public LatencyHistogram TimePerOutputToken { get; } = new();

    /// <summary>From a request's arrival to its end.</summary>
    public LatencyHistogram RequestLatency { get; } = new();

    /// <summary>Generated tokens per second over about the last five seconds (0 when idle).</summary>
    public double GeneratedTokensPerSecond
    {
        get
        {
            lock (_rateTimestamps)
            {
                long now = Stopwatch.GetTimestamp();
                long horizon = now - (5 * Stopwatch.Frequency);
                long oldestTime = 0;
                long oldestTokens = 0;
                for (int i = 0; i < RateSamples; i++)
                {
                    long t = _rateTimestamps[i];
                    if (t != 0 && t >= horizon && (oldestTime == 0 || t < oldestTime))
                    {
                        oldestTime = t;
                        oldestTokens = _rateTokens[i];
                    }
                }

                if (oldestTime == 0)
                {
                    return 0;
                }

                double seconds = (double)(now - oldestTime) / Stopwatch.Frequency;
                return seconds < 0.05 ? 0 : (GeneratedTokens - oldestTokens) / seconds;
            }
        }
    }

    internal void AddPromptTokens(int n) => Interlocked.Add(ref _promptTokens, n);

    internal void AddPrefixLookup(int queried, int hit)
    {
        Interlocked.Add(ref _prefixQueryTokens, queried);
        Interlocked.Add(ref _prefixHitTokens, hit);
    }

    internal void AddPreemption() => Interlocked.Increment(ref _preemptions);

    internal void AddFinished() => Interlocked.Increment(ref _finished);

    internal void AddCancelled() => Interlocked.Increment(ref _cancelled);

    internal void AddFailed() => Interlocked.Increment(ref _failed);

    internal void AddRejected() => Interlocked.Increment(ref _rejected);

    internal void AddGeneratedToken() => Interlocked.Increment(ref _generatedTokens);

    /// <summary>Called after every step: counts it and samples the token counter for the rate (every 100 ms at most).</summary>
    internal void StepDone()
    {
        Interlocked.Increment(ref _steps);
        long now = Stopwatch.GetTimestamp();
        if (now - _lastRateSample < Stopwatch.Frequency / 10)
        {
            return;
        }

        lock (_rateTimestamps)
        {
            _lastRateSample = now;
            _rateTimestamps[_rateNext] = now;
            _rateTokens[_rateNext] = GeneratedTokens;
            _rateNext = (_rateNext + 1) % RateSamples;
        }
    }
}
