using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>
/// One layer's MLA attention weights in the absorbed layout (E hidden, H heads, C = kv_lora_rank, Rd = rope dims,
/// Dn = nope dims, Dv = value dims). Shapes are [rows, columns]; a matmul computes x W^T.
/// </summary>
public sealed record DeepSeekAttentionWeights
{
    /// <summary>Input RMSNorm, [E] F32.</summary>
    public required WeightTensor Norm { get; init; }

    /// <summary>Query down-projection W_q_a, [q_lora, E]; null without the q low-rank path.</summary>
    public WeightTensor? QueryA { get; init; }

    /// <summary>RMSNorm of the query latent, [q_lora] F32; null without the q low-rank path.</summary>
    public WeightTensor? QueryANorm { get; init; }

    /// <summary>Query up-projection W_q_b [H*(Dn+Rd), q_lora], or the full query projection [H*(Dn+Rd), E] without q_lora.</summary>
    public required WeightTensor Query { get; init; }

    /// <summary>Key/value down-projection with the shared rope key, [C + Rd, E].</summary>
    public required WeightTensor KvA { get; init; }

    /// <summary>RMSNorm of the latent c, [C] F32.</summary>
    public required WeightTensor KvANorm { get; init; }

    /// <summary>W_UK per head, transposed: [H*C, Dn] (head h's rows h*C .. h*C+C-1), folded into the query.</summary>
    public required WeightTensor KeyB { get; init; }

    /// <summary>W_UV per head: [H*Dv, C], applied to the attention's latent output.</summary>
    public required WeightTensor ValueB { get; init; }

    /// <summary>Output projection, [E, H*Dv].</summary>
    public required WeightTensor Output { get; init; }

    /// <summary>All tensors, for counting.</summary>
    public IEnumerable<WeightTensor> All => new[] { Norm, QueryA, QueryANorm, Query, KvA, KvANorm, KeyB, ValueB, Output }.OfType<WeightTensor>();
}
