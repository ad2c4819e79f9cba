using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Adapters;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>The weights of one transformer block (D = hidden size, H/Hkv = heads, Dh = head dim, F = feed-forward size).</summary>
public sealed record LlamaLayerWeights
{
    /// <summary>Pre-attention RMSNorm weight, (D) F32.</summary>
    public required WeightTensor AttentionNorm { get; init; }

    /// <summary>Query projection, (H * Dh, D).</summary>
    public required WeightTensor Query { get; init; }

    /// <summary>Key projection, (Hkv * Dh, D).</summary>
    public required WeightTensor Key { get; init; }

    /// <summary>Value projection, (Hkv * Dh, D).</summary>
    public required WeightTensor Value { get; init; }

    /// <summary>Attention output projection, (D, H * Dh).</summary>
    public required WeightTensor Output { get; init; }

    /// <summary>Pre-FFN RMSNorm weight, (D) F32.</summary>
    public required WeightTensor FeedForwardNorm { get; init; }

    /// <summary>SwiGLU gate projection, (F, D).</summary>
    public required WeightTensor Gate { get; init; }

    /// <summary>SwiGLU up projection, (F, D).</summary>
    public required WeightTensor Up { get; init; }

    /// <summary>FFN down projection, (D, F).</summary>
    public required WeightTensor Down { get; init; }

    /// <summary>Unmerged LoRA adapters by projection, applied in order beside the base weight (empty without adapters).</summary>
    public IReadOnlyDictionary<LlamaProjection, IReadOnlyList<LowRankDelta>> Adapters { get; init; } = new Dictionary<LlamaProjection, IReadOnlyList<LowRankDelta>>();

    /// <summary>The weight of <paramref name="projection"/>.</summary>
    public WeightTensor Projection(LlamaProjection projection) => projection switch
    {
        LlamaProjection.Query => Query,
        LlamaProjection.Key => Key,
        LlamaProjection.Value => Value,
        LlamaProjection.Output => Output,
        LlamaProjection.Gate => Gate,
        LlamaProjection.Up => Up,
        _ => Down,
    };
}
