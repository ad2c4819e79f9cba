namespace LlmFramework.Abstractions.Moe;

/// <summary>What a scheduler decides from (contract 1.2).</summary>
/// <param name="Shape">The model's routed experts.</param>
/// <param name="Load">Routing counts (sliding window and lifetime).</param>
/// <param name="ResidentBudgetBytes">Most bytes of routed experts that may be resident; the plan must not exceed it.</param>
/// <param name="DeviceCount">Devices experts can be placed on.</param>
/// <param name="Current">The placement in force, or null before the first plan.</param>
public sealed record ExpertPlacementRequest(MoeModelShape Shape, ExpertLoad Load, long ResidentBudgetBytes, int DeviceCount, ExpertPlacement? Current)
{
    /// <summary>
    /// Compact formats the engine can keep a resident expert in besides the stored one, with the bytes of one expert in
    /// each (contract 1.3; empty when it can keep none). A placement that gives an expert one of these formats
    /// (<see cref="ExpertPlacement.Format"/>) has the engine convert it once and compute from the converted copy.
    /// </summary>
    public IReadOnlyDictionary<Tensors.DType, long> CompactFormats { get; init; } = new Dictionary<Tensors.DType, long>();
}
