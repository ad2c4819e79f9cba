namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>Every timed run of one engine at one concurrency; the best (highest aggregate tokens/s) is the one reported.</summary>
internal sealed record EngineRuns(string Engine, int Streams, IReadOnlyList<StreamStats> Runs)
{
    public StreamStats Best => Runs.MaxBy(r => r.AggregateTps)!;
}
