namespace LlmFramework.Models.Llama.Config;

/// <summary>The key names one checkpoint form uses for each hyperparameter, so validation errors quote the file's own keys.</summary>
internal sealed record ConfigKeyNames(
    string Hidden,
    string Intermediate,
    string Layers,
    string Heads,
    string KvHeads,
    string HeadDim,
    string RotaryDim,
    string Vocab,
    string Context,
    string Epsilon,
    string Theta,
    string RopeScaling)
{
    public static ConfigKeyNames HuggingFace { get; } = new(
        "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
        "head_dim", "vocab_size", "max_position_embeddings", "rms_norm_eps", "rope_theta", "rope_scaling");

    public static ConfigKeyNames Gguf(string arch) => new(
        $"{arch}.embedding_length", $"{arch}.feed_forward_length", $"{arch}.block_count", $"{arch}.attention.head_count",
        $"{arch}.attention.head_count_kv", $"{arch}.attention.key_length", $"{arch}.rope.dimension_count",
        $"{arch}.vocab_size (or tokenizer.ggml.tokens)", $"{arch}.context_length", $"{arch}.attention.layer_norm_rms_epsilon",
        $"{arch}.rope.freq_base", $"{arch}.rope.scaling");
}
