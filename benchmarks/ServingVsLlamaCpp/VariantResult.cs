namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>Both engines at every concurrency for one prompt variant (distinct prompts, or one shared prompt).</summary>
internal sealed record VariantResult(string Variant, IReadOnlyList<EngineRuns> Results)
{
    public StreamStats? Find(string engine, int streams) =>
        Results.FirstOrDefault(r => r.Engine == engine && r.Streams == streams)?.Best;

    /// <summary>Aggregate tokens/s at <paramref name="streams"/> over the single-stream figure (null when either is missing).</summary>
    public double? Scaling(string engine, int streams) =>
        Find(engine, streams) is { } many && Find(engine, 1) is { } one ? many.AggregateTps / one.AggregateTps : null;
}
