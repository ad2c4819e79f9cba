using LlmFramework.Models.DeepSeek.Config;

namespace LlmFramework.Models.DeepSeek.Graph;

/// <summary>
/// The rotary frequencies of the rope dims (qk_rope_head_dim), with DeepSeek's YaRN when rope_scaling is set: a linear
/// ramp between extrapolated and interpolated frequencies over the correction range given by beta_fast / beta_slow,
/// and cos/sin multiplied by mscale(factor, mscale) / mscale(factor, mscale_all_dim).
/// </summary>
public static class DeepSeekRope
{
    /// <summary>The inverse frequencies (rope dims / 2) and the cos/sin multiplier.</summary>
    public static (float[] InverseFrequencies, float AttentionFactor) Compute(DeepSeekConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int dim = config.QkRopeHeadDim;
        double theta = config.RopeTheta;
        var inv = new float[dim / 2];
        YarnRopeScaling? yarn = config.RopeScaling;
        double low = 0, high = 0;
        if (yarn is not null)
        {
            low = Math.Max(Math.Floor(CorrectionDim(yarn.BetaFast, dim, theta, yarn.OriginalMaxPositionEmbeddings)), 0);
            high = Math.Min(Math.Ceiling(CorrectionDim(yarn.BetaSlow, dim, theta, yarn.OriginalMaxPositionEmbeddings)), dim - 1);
            if (low == high)
            {
                high += 0.001;
            }
        }

        for (int i = 0; i < inv.Length; i++)
        {
            double extrapolated = 1.0 / Math.Pow(theta, 2.0 * i / dim);
            if (yarn is null)
            {
                inv[i] = (float)extrapolated;
                continue;
            }

            double interpolated = extrapolated / yarn.Factor;
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            double keepExtrapolated = 1 - ramp;
            inv[i] = (float)((interpolated * (1 - keepExtrapolated)) + (extrapolated * keepExtrapolated));
        }

        float factor = yarn is null
            ? 1f
            : (float)(YarnRopeScaling.MScaleOf(yarn.Factor, yarn.MScale) / YarnRopeScaling.MScaleOf(yarn.Factor, yarn.MScaleAllDim));
        return (inv, factor);
    }

    /// <summary>The rotary dimension whose wavelength makes <paramref name="rotations"/> turns over the original context.</summary>
    private static double CorrectionDim(double rotations, int dim, double theta, int originalContext) =>
        dim * Math.Log(originalContext / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
}
