namespace LlmFramework.Models.Llama.Config;

/// <summary>
/// The hyperparameters of a LLaMA-family checkpoint, whichever form it came in (Hugging Face config.json or GGUF
/// metadata). Built by <see cref="HuggingFaceConfigReader"/> and <see cref="GgufConfigReader"/>, which validate it.
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>Architecture name found in the checkpoint ("llama", "LlamaForCausalLM", "MistralForCausalLM").</summary>
    public required string Architecture { get; init; }

    /// <summary>Model width D (hidden_size / llama.embedding_length).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Feed-forward width F (intermediate_size / llama.feed_forward_length).</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Transformer blocks (num_hidden_layers / llama.block_count).</summary>
    public required int LayerCount { get; init; }

    /// <summary>Query heads H.</summary>
    public required int HeadCount { get; init; }

    /// <summary>Key/value heads Hkv (divides H; fewer than H is grouped-query attention).</summary>
    public required int KvHeadCount { get; init; }

    /// <summary>Values per head (head_dim; defaults to D / H).</summary>
    public required int HeadDim { get; init; }

    /// <summary>Leading values of each head that RoPE rotates (GGUF llama.rope.dimension_count; HeadDim otherwise).</summary>
    public required int RotaryDim { get; init; }

    /// <summary>Rows of the embedding table and of the logits.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Longest context the checkpoint supports (max_position_embeddings / llama.context_length).</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>RMSNorm epsilon.</summary>
    public required float RmsNormEpsilon { get; init; }

    /// <summary>RoPE base theta.</summary>
    public required float RopeTheta { get; init; }

    /// <summary>RoPE scaling, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>
    /// Per-frequency divisors stored by llama.cpp's converter as the <c>rope_freqs.weight</c> tensor (how GGUF files
    /// carry llama3 scaling); null when absent. Length RotaryDim / 2.
    /// </summary>
    public float[]? RopeFrequencyFactors { get; init; }

    /// <summary>Whether the output projection reuses the embedding table (HF tie_word_embeddings; GGUF: no output.weight).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>HF torch_dtype, when given.</summary>
    public string? TorchDType { get; init; }

    /// <summary>Width of the query projection (H * HeadDim).</summary>
    public int QueryWidth => HeadCount * HeadDim;

    /// <summary>Width of the key and value projections (Hkv * HeadDim).</summary>
    public int KvWidth => KvHeadCount * HeadDim;

    /// <summary>One line for logs and <c>ModelInfo.Description</c>.</summary>
    public string Describe() =>
        $"{Architecture}: dim {HiddenSize}, {LayerCount} layers, {HeadCount} heads ({KvHeadCount} kv, head dim {HeadDim}), ffn {IntermediateSize}, vocab {VocabSize}, context {MaxPositionEmbeddings}, rope theta {RopeTheta}{(RopeScaling is null ? "" : $" ({RopeScaling.Type} x{RopeScaling.Factor})")}{(TieWordEmbeddings ? ", tied embeddings" : "")}";
}
