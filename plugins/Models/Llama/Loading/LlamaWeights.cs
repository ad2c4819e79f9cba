using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>All weights of a LLaMA model (V = vocabulary, D = hidden size), views into the checkpoint's memory map.</summary>
public sealed record LlamaWeights
{
    /// <summary>Token embedding table, (V, D).</summary>
    public required WeightTensor TokenEmbedding { get; init; }

    /// <summary>The blocks, in order.</summary>
    public required IReadOnlyList<LlamaLayerWeights> Layers { get; init; }

    /// <summary>Final RMSNorm weight, (D) F32.</summary>
    public required WeightTensor OutputNorm { get; init; }

    /// <summary>Output projection (the LM head), (V, D); the same object as <see cref="TokenEmbedding"/> when tied.</summary>
    public required WeightTensor Output { get; init; }

    /// <summary>Number of weight values (the tied table counted once).</summary>
    public long ParameterCount
    {
        get
        {
            long n = Count(TokenEmbedding) + Count(OutputNorm) + (ReferenceEquals(Output, TokenEmbedding) ? 0 : Count(Output));
            foreach (LlamaLayerWeights l in Layers)
            {
                n += Count(l.AttentionNorm) + Count(l.Query) + Count(l.Key) + Count(l.Value) + Count(l.Output)
                    + Count(l.FeedForwardNorm) + Count(l.Gate) + Count(l.Up) + Count(l.Down);
            }

            return n;
        }
    }

    private static long Count(WeightTensor t) => t.Rows * t.Columns;
}
