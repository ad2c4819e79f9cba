namespace LlmFramework.Models.DeepSeek.Config;

/// <summary>How the router turns its logits into expert scores (HF scoring_func; GGUF deepseek2.expert_gating_func).</summary>
public enum ExpertGating
{
    /// <summary>softmax over the routed experts (DeepSeek-V2; GGUF value 1, and the default when absent).</summary>
    Softmax = 1,

    /// <summary>sigmoid per expert, with e_score_correction_bias steering the choice (DeepSeek-V3; GGUF value 2).</summary>
    Sigmoid = 2,
}
