namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>One engine's best prefill and decode speed on one model, with every timed run.</summary>
internal sealed record EngineSpeed(string Engine, double PrefillTps, double DecodeTps, IReadOnlyList<double> PrefillRuns, IReadOnlyList<double> DecodeRuns)
{
    public static EngineSpeed Best(string engine, IReadOnlyList<(double Prefill, double Decode)> runs) =>
        new(engine, runs.Max(r => r.Prefill), runs.Max(r => r.Decode), runs.Select(r => r.Prefill).ToArray(), runs.Select(r => r.Decode).ToArray());
}
