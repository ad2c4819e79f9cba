namespace LlmFramework.Abstractions.Graph;

/// <summary>Parameters of <see cref="OpKind.LatentAttention"/> (contract 1.2).</summary>
/// <param name="Layer">Layer index in the KV cache (streams 0 = latent, 1 = rope key).</param>
/// <param name="HeadCount">Query heads H.</param>
/// <param name="LatentDim">Width C of the cached latent (kv_lora_rank).</param>
/// <param name="RopeDim">Width of the shared rope key (qk_rope_head_dim).</param>
/// <param name="Scale">Multiplier of the scores before the softmax.</param>
public sealed record LatentAttentionParams(int Layer, int HeadCount, int LatentDim, int RopeDim, float Scale) : OpParams;
