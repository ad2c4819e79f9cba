using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>Both engines' speeds on one model, with the memory-bandwidth ceiling for decode.</summary>
internal sealed record ModelResult(
    DType DType,
    string ModelPath,
    long WeightBytesPerToken,
    double BandwidthGBs,
    EngineSpeed? LlamaCpp,
    EngineSpeed? Ours,
    int? GreedyAgreement,
    int GreedyCompared)
{
    /// <summary>Decode can go no faster than streaming every weight once per token.</summary>
    public double CeilingDecodeTps => BandwidthGBs * 1e9 / WeightBytesPerToken;

    public double? PrefillRatio => LlamaCpp is null || Ours is null ? null : Ours.PrefillTps / LlamaCpp.PrefillTps;

    public double? DecodeRatio => LlamaCpp is null || Ours is null ? null : Ours.DecodeTps / LlamaCpp.DecodeTps;
}
