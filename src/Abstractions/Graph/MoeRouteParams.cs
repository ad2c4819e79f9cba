namespace LlmFramework.Abstractions.Graph;

/// <summary>Parameters of <see cref="OpKind.MoeRoute"/> (contract 1.2).</summary>
/// <param name="MoeLayer">Index of this MoE layer among the model's MoE layers (0-based); routing statistics are kept per MoE layer.</param>
/// <param name="ExpertCount">Routed experts E.</param>
/// <param name="ExpertsPerToken">Experts chosen per token S.</param>
/// <param name="Scoring">Softmax or sigmoid scores.</param>
/// <param name="GroupCount">Expert groups G (1 = no group limit); divides E.</param>
/// <param name="GroupsUsed">Groups kept per token (equal to G when G is 1).</param>
/// <param name="NormalizeWeights">Divide the chosen weights by their sum.</param>
/// <param name="WeightScale">Multiplier of the weights (routed_scaling_factor).</param>
public sealed record MoeRouteParams(int MoeLayer, int ExpertCount, int ExpertsPerToken, MoeScoring Scoring, int GroupCount, int GroupsUsed, bool NormalizeWeights, float WeightScale) : OpParams;
