namespace LlmFramework.Models.Llama.Config;

/// <summary>
/// A RoPE scaling scheme as a checkpoint describes it (Hugging Face <c>rope_scaling</c>, or GGUF
/// <c>llama.rope.scaling.*</c>). Only the fields of the scheme named by <see cref="Type"/> are meaningful.
/// </summary>
/// <param name="Type">"linear", "llama3" or "yarn".</param>
/// <param name="Factor">Context extension factor (all schemes).</param>
/// <param name="OriginalMaxPositions">Context length the model was pre-trained with (llama3, yarn).</param>
/// <param name="LowFreqFactor">llama3: wavelengths above original / low_freq_factor are fully interpolated.</param>
/// <param name="HighFreqFactor">llama3: wavelengths below original / high_freq_factor are kept.</param>
/// <param name="BetaFast">yarn: rotation count where extrapolation starts (default 32).</param>
/// <param name="BetaSlow">yarn: rotation count where interpolation ends (default 1).</param>
/// <param name="AttentionFactor">yarn: explicit cos/sin multiplier; null computes 0.1 ln(factor) + 1.</param>
/// <param name="MScale">yarn (DeepSeek style): mscale, used with <paramref name="MScaleAllDim"/>.</param>
/// <param name="MScaleAllDim">yarn (DeepSeek style): mscale_all_dim.</param>
public sealed record RopeScaling(
    string Type,
    float Factor,
    int OriginalMaxPositions = 0,
    float LowFreqFactor = 1f,
    float HighFreqFactor = 4f,
    float BetaFast = 32f,
    float BetaSlow = 1f,
    float? AttentionFactor = null,
    float? MScale = null,
    float? MScaleAllDim = null)
{
    /// <summary>The scheme names this plugin computes.</summary>
    public static IReadOnlyList<string> SupportedTypes { get; } = ["linear", "llama3", "yarn"];
}
