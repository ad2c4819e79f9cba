namespace LlmFramework.Models.Llama.Loading;

/// <summary>The tensor names of one checkpoint form: llama.cpp's GGUF names or Hugging Face's.</summary>
public sealed record LlamaTensorNames(
    string TokenEmbedding,
    string OutputNorm,
    string Output,
    Func<int, string> AttentionNorm,
    Func<int, string> Query,
    Func<int, string> Key,
    Func<int, string> Value,
    Func<int, string> AttentionOutput,
    Func<int, string> FeedForwardNorm,
    Func<int, string> Gate,
    Func<int, string> Up,
    Func<int, string> Down)
{
    /// <summary>llama.cpp's names (token_embd.weight, blk.N.attn_q.weight, ...).</summary>
    public static LlamaTensorNames Gguf { get; } = new(
        "token_embd.weight",
        "output_norm.weight",
        "output.weight",
        l => $"blk.{l}.attn_norm.weight",
        l => $"blk.{l}.attn_q.weight",
        l => $"blk.{l}.attn_k.weight",
        l => $"blk.{l}.attn_v.weight",
        l => $"blk.{l}.attn_output.weight",
        l => $"blk.{l}.ffn_norm.weight",
        l => $"blk.{l}.ffn_gate.weight",
        l => $"blk.{l}.ffn_up.weight",
        l => $"blk.{l}.ffn_down.weight");

    /// <summary>Hugging Face's names (model.embed_tokens.weight, model.layers.N.self_attn.q_proj.weight, ...).</summary>
    public static LlamaTensorNames HuggingFace { get; } = new(
        "model.embed_tokens.weight",
        "model.norm.weight",
        "lm_head.weight",
        l => $"model.layers.{l}.input_layernorm.weight",
        l => $"model.layers.{l}.self_attn.q_proj.weight",
        l => $"model.layers.{l}.self_attn.k_proj.weight",
        l => $"model.layers.{l}.self_attn.v_proj.weight",
        l => $"model.layers.{l}.self_attn.o_proj.weight",
        l => $"model.layers.{l}.post_attention_layernorm.weight",
        l => $"model.layers.{l}.mlp.gate_proj.weight",
        l => $"model.layers.{l}.mlp.up_proj.weight",
        l => $"model.layers.{l}.mlp.down_proj.weight");
}
