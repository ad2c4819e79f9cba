namespace LlmFramework.Models.Llama.Adapters;

/// <summary>The seven linear layers of a LLaMA block that a LoRA adapter can target (PEFT target_modules names in comments).</summary>
public enum LlamaProjection
{
    /// <summary>self_attn.q_proj.</summary>
    Query,

    /// <summary>self_attn.k_proj.</summary>
    Key,

    /// <summary>self_attn.v_proj.</summary>
    Value,

    /// <summary>self_attn.o_proj.</summary>
    Output,

    /// <summary>mlp.gate_proj.</summary>
    Gate,

    /// <summary>mlp.up_proj.</summary>
    Up,

    /// <summary>mlp.down_proj.</summary>
    Down,
}
