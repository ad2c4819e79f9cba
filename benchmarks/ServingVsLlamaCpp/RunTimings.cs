namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>One timed run of N concurrent streams: when the first request was submitted, and every stream's timings.</summary>
internal sealed record RunTimings(long StartedAt, IReadOnlyList<StreamTimings> Streams)
{
    /// <summary>Prompt tokens our engine found in its prefix cache during the run (null for llama.cpp, which has none here).</summary>
    public long? PrefixCacheHitTokens { get; init; }

    /// <summary>Engine steps (our engine) or llama_decode calls (llama.cpp) in the run.</summary>
    public long Steps { get; init; }
}
