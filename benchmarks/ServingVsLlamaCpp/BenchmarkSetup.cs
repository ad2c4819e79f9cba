namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>What was measured on what: the model, its bytes per token, the machine load and the command line.</summary>
internal sealed record BenchmarkSetup(
    ServingOptions Options,
    string ModelPath,
    long WeightBytesPerToken,
    double? LoadBefore,
    double? LoadAfter,
    string CommandLine)
{
    /// <summary>Single-stream decode can go no faster than streaming every weight once per token.</summary>
    public double CeilingSingleStreamTps => Options.EffectiveBandwidthGBs * 1e9 / WeightBytesPerToken;
}
