using LlmFramework.Abstractions.Execution;

namespace LlmFramework.Models.DeepSeek.Config;

/// <summary>
/// The hyperparameters of a DeepSeek-V2/V3/R1 checkpoint: MLA attention (low-rank query and key/value paths with a
/// shared rope key) and a mixture of experts after the first dense layers. Built and validated by
/// <see cref="DeepSeekHuggingFaceConfigReader"/>; <see cref="DeepSeekConfigValidator"/> names the key at fault.
/// </summary>
public sealed record DeepSeekConfig
{
    /// <summary>Architecture name ("DeepseekV3ForCausalLM", "DeepseekV2ForCausalLM", "deepseek2").</summary>
    public required string Architecture { get; init; }

    /// <summary>Model width E (hidden_size).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Feed-forward width of the dense layers (intermediate_size).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Feed-forward width of one expert (moe_intermediate_size).</summary>
    public required int MoeIntermediateSize { get; init; }

    /// <summary>Transformer blocks (num_hidden_layers), without the multi-token-prediction layers.</summary>
    public required int LayerCount { get; init; }

    /// <summary>Leading layers with a dense feed-forward (first_k_dense_replace); the rest are MoE layers.</summary>
    public required int DenseLayerCount { get; init; }

    /// <summary>Attention heads H.</summary>
    public required int HeadCount { get; init; }

    /// <summary>Rows of the embedding table and of the logits.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Longest context (max_position_embeddings).</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>RMSNorm epsilon.</summary>
    public required float RmsNormEpsilon { get; init; }

    /// <summary>RoPE base theta.</summary>
    public required float RopeTheta { get; init; }

    /// <summary>YaRN scaling, or null for plain RoPE.</summary>
    public YarnRopeScaling? RopeScaling { get; init; }

    /// <summary>Rank of the query's low-rank path (q_lora_rank); 0 = a full query projection (the V2-Lite form).</summary>
    public required int QLoraRank { get; init; }

    /// <summary>Rank of the compressed key/value latent c (kv_lora_rank).</summary>
    public required int KvLoraRank { get; init; }

    /// <summary>Per-head query/key values without RoPE (qk_nope_head_dim).</summary>
    public required int QkNopeHeadDim { get; init; }

    /// <summary>Per-head query values and shared key values with RoPE (qk_rope_head_dim).</summary>
    public required int QkRopeHeadDim { get; init; }

    /// <summary>Per-head value width (v_head_dim).</summary>
    public required int VHeadDim { get; init; }

    /// <summary>Routed experts per MoE layer (n_routed_experts).</summary>
    public required int RoutedExperts { get; init; }

    /// <summary>Shared experts per MoE layer, run for every token (n_shared_experts).</summary>
    public required int SharedExperts { get; init; }

    /// <summary>Routed experts chosen per token (num_experts_per_tok).</summary>
    public required int ExpertsPerToken { get; init; }

    /// <summary>Expert groups for group-limited routing (n_group); 1 = no grouping.</summary>
    public required int ExpertGroups { get; init; }

    /// <summary>Groups kept per token (topk_group).</summary>
    public required int ExpertGroupsUsed { get; init; }

    /// <summary>How router logits become scores.</summary>
    public required ExpertGating Gating { get; init; }

    /// <summary>Divide the chosen experts' weights by their sum (norm_topk_prob).</summary>
    public required bool NormalizeTopKWeights { get; init; }

    /// <summary>Multiplier of the routed experts' weights (routed_scaling_factor).</summary>
    public required float RoutedScalingFactor { get; init; }

    /// <summary>Query/key width per head: nope + rope.</summary>
    public int QkHeadDim => QkNopeHeadDim + QkRopeHeadDim;

    /// <summary>The attention softmax scale: QkHeadDim^-0.5, times mscale² with YaRN (mscale from mscale_all_dim).</summary>
    public double SoftmaxScale
    {
        get
        {
            double scale = 1.0 / Math.Sqrt(QkHeadDim);
            if (RopeScaling is { MScaleAllDim: > 0 } yarn)
            {
                double m = YarnRopeScaling.MScaleOf(yarn.Factor, yarn.MScaleAllDim);
                scale *= m * m;
            }

            return scale;
        }
    }

    /// <summary>Values the absorbed-MLA KV cache keeps per token per layer: the latent c and the shared rope key.</summary>
    public int LatentKvValuesPerToken => KvLoraRank + QkRopeHeadDim;

    /// <summary>Values a full K/V cache would keep per token per layer: every head's key (nope + rope) and value.</summary>
    public int FullKvValuesPerToken => HeadCount * (QkHeadDim + VHeadDim);

    /// <summary>
    /// The absorbed-MLA KV cache: per layer two streams, the latent c (<see cref="KvLoraRank"/>) and the shared rope key
    /// (<see cref="QkRopeHeadDim"/>), for up to <paramref name="contextLength"/> tokens.
    /// </summary>
    public KvCacheLayout CacheLayout(int contextLength) => new(LayerCount, [KvLoraRank, QkRopeHeadDim], contextLength);

    /// <summary>Bytes per token of a full per-head K/V cache in F32 (what MLA avoids), for comparison with <see cref="CacheLayout"/>.</summary>
    public long FullKvBytesPerToken => (long)LayerCount * FullKvValuesPerToken * sizeof(float);
}
