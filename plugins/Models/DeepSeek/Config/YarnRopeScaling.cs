namespace LlmFramework.Models.DeepSeek.Config;

/// <summary>YaRN rope scaling (HF rope_scaling with type "yarn").</summary>
/// <param name="Factor">Context extension factor.</param>
/// <param name="OriginalMaxPositionEmbeddings">Context length the model was trained with before extension.</param>
/// <param name="BetaFast">High-frequency boundary (in rotations).</param>
/// <param name="BetaSlow">Low-frequency boundary.</param>
/// <param name="MScale">Attention temperature multiplier of the rotary part.</param>
/// <param name="MScaleAllDim">Attention temperature multiplier applied to the whole softmax scale.</param>
public sealed record YarnRopeScaling(float Factor, int OriginalMaxPositionEmbeddings, float BetaFast, float BetaSlow, float MScale, float MScaleAllDim)
{
    /// <summary>YaRN's mscale: 0.1 * m * ln(factor) + 1 for factor &gt; 1, else 1.</summary>
    public static double MScaleOf(double factor, double m) => factor <= 1 ? 1 : (0.1 * m * Math.Log(factor)) + 1;
}
