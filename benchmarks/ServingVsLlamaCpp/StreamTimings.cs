namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>When one stream was submitted and when each of its tokens arrived (Stopwatch timestamps, preallocated).</summary>
internal sealed class StreamTimings(int capacity)
{
    private readonly long[] _tokenTimestamps = new long[capacity];

    public long SubmittedAt { get; set; }

    public int TokenCount { get; private set; }

    public ReadOnlySpan<long> TokenTimestamps => _tokenTimestamps.AsSpan(0, TokenCount);

    public void RecordToken(long timestamp)
    {
        if (TokenCount == _tokenTimestamps.Length)
        {
            throw new InvalidOperationException($"a stream produced more than the {_tokenTimestamps.Length} tokens asked for");
        }

        _tokenTimestamps[TokenCount++] = timestamp;
    }
}
