namespace LlmFramework.Abstractions.Moe;

/// <summary>The routed experts of a model as a scheduler sees them (contract 1.2).</summary>
/// <param name="MoeLayerCount">MoE layers (numbered 0.. in graph order, as in <see cref="Graph.MoeRouteParams.MoeLayer"/>).</param>
/// <param name="ExpertCount">Routed experts per MoE layer.</param>
/// <param name="ExpertsPerToken">Experts chosen per token.</param>
/// <param name="ExpertBytes">Bytes of one routed expert's weights (all its matrices) as stored.</param>
public sealed record MoeModelShape(int MoeLayerCount, int ExpertCount, int ExpertsPerToken, long ExpertBytes)
{
    /// <summary>Bytes of every routed expert of the model.</summary>
    public long TotalExpertBytes => (long)MoeLayerCount * ExpertCount * ExpertBytes;
}
