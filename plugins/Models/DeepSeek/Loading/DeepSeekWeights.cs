using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>All weights of a DeepSeek model (V vocabulary, E hidden): views into the checkpoint or owned converted copies.</summary>
public sealed record DeepSeekWeights
{
    /// <summary>Token embedding table, [V, E].</summary>
    public required WeightTensor TokenEmbedding { get; init; }

    /// <summary>Attention weights per layer.</summary>
    public required IReadOnlyList<DeepSeekAttentionWeights> Attention { get; init; }

    /// <summary>Feed-forward weights per layer.</summary>
    public required IReadOnlyList<DeepSeekFeedForwardWeights> FeedForward { get; init; }

    /// <summary>Final RMSNorm, [E] F32.</summary>
    public required WeightTensor OutputNorm { get; init; }

    /// <summary>LM head, [V, E].</summary>
    public required WeightTensor Output { get; init; }

    /// <summary>Number of weight values.</summary>
    public long ParameterCount =>
        Count(TokenEmbedding) + Count(OutputNorm) + Count(Output)
        + Attention.SelectMany(a => a.All).Sum(Count) + FeedForward.SelectMany(f => f.All).Sum(Count);

    private static long Count(WeightTensor t) => t.Rows * t.Columns;
}
