namespace LlmFramework.Abstractions.Graph;

/// <summary>
/// Parameters of <see cref="OpKind.ExpertMatMul"/> (contract 1.2; since 1.3 a route id of -1 skips the slot, leaving its
/// output rows untouched, so several devices can each compute their own share of one node).
/// </summary>
/// <param name="MoeLayer">Index of the MoE layer (as in <see cref="MoeRouteParams.MoeLayer"/>), so expert placement can find the expert.</param>
/// <param name="ExpertCount">Experts E stacked in the weight.</param>
/// <param name="ExpertsPerToken">Slots S per token.</param>
public sealed record ExpertMatMulParams(int MoeLayer, int ExpertCount, int ExpertsPerToken) : OpParams;
