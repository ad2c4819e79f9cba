using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>
/// One layer's feed-forward weights: a dense SwiGLU MLP (the first_k_dense_replace layers) or a mixture of experts
/// (E hidden, Fe expert width, N routed experts; experts stacked expert-major so expert j owns rows j*Fe .. j*Fe+Fe-1).
/// </summary>
public sealed record DeepSeekFeedForwardWeights
{
    /// <summary>RMSNorm before the feed-forward, [E] F32.</summary>
    public required WeightTensor Norm { get; init; }

    /// <summary>Dense gate projection [F, E]; null in MoE layers.</summary>
    public WeightTensor? Gate { get; init; }

    /// <summary>Dense up projection [F, E]; null in MoE layers.</summary>
    public WeightTensor? Up { get; init; }

    /// <summary>Dense down projection [E, F]; null in MoE layers.</summary>
    public WeightTensor? Down { get; init; }

    /// <summary>Router, [N, E]; null in dense layers.</summary>
    public WeightTensor? Router { get; init; }

    /// <summary>e_score_correction_bias, [N] F32 (sigmoid gating); null otherwise.</summary>
    public WeightTensor? RouterBias { get; init; }

    /// <summary>Routed experts' gate projections stacked, [N*Fe, E].</summary>
    public WeightTensor? ExpertGate { get; init; }

    /// <summary>Routed experts' up projections stacked, [N*Fe, E].</summary>
    public WeightTensor? ExpertUp { get; init; }

    /// <summary>Routed experts' down projections stacked, [N*E, Fe].</summary>
    public WeightTensor? ExpertDown { get; init; }

    /// <summary>Shared experts' gate projection (all shared experts side by side), [Fe*shared, E]; null without shared experts.</summary>
    public WeightTensor? SharedGate { get; init; }

    /// <summary>Shared experts' up projection, [Fe*shared, E].</summary>
    public WeightTensor? SharedUp { get; init; }

    /// <summary>Shared experts' down projection, [E, Fe*shared].</summary>
    public WeightTensor? SharedDown { get; init; }

    /// <summary>Whether this is a mixture-of-experts layer.</summary>
    public bool IsMoe => Router is not null;

    /// <summary>All tensors, for counting.</summary>
    public IEnumerable<WeightTensor> All => new[] { Norm, Gate, Up, Down, Router, RouterBias, ExpertGate, ExpertUp, ExpertDown, SharedGate, SharedUp, SharedDown }.OfType<WeightTensor>();
}
