namespace LlmFramework.Models.Llama.Config;

/// <summary>
/// RoPE inverse frequencies with every scaling scheme applied, so the Rope op only computes <c>p * inv_freq[i]</c>.
/// Follows the published definitions as Hugging Face transformers implements them (modeling_rope_utils):
/// plain <c>theta^(-2i/d)</c>; linear (position interpolation) divides by the factor; llama3 interpolates long
/// wavelengths, keeps short ones and blends in between; YaRN blends interpolation and extrapolation with a linear
/// ramp over the dimensions between the beta_fast and beta_slow correction dims and scales cos/sin by an attention
/// factor. Computed in double, rounded once.
/// </summary>
public static class RopeFrequencies
{
    /// <summary>The inverse frequencies (RotaryDim / 2 of them) and the cos/sin multiplier of <paramref name="config"/>.</summary>
    public static (float[] InverseFrequencies, float AttentionFactor) Compute(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int dim = config.RotaryDim;
        double theta = config.RopeTheta;
        double[] inv = Unscaled(theta, dim);
        double attentionFactor = 1;
        switch (config.RopeScaling)
        {
            case null:
                break;
            case { Type: "linear" } s:
                for (int i = 0; i < inv.Length; i++)
                {
                    inv[i] /= s.Factor;
                }

                break;
            case { Type: "llama3" } s:
                ApplyLlama3(inv, s);
                break;
            case { Type: "yarn" } s:
                ApplyYarn(inv, s, theta, dim);
                attentionFactor = YarnAttentionFactor(s);
                break;
            case { } s:
                throw new NotSupportedException($"RoPE scaling '{s.Type}' is not supported (supported: {string.Join(", ", RopeScaling.SupportedTypes)})");
        }

        if (config.RopeFrequencyFactors is { } factors)
        {
            for (int i = 0; i < inv.Length; i++)
            {
                inv[i] /= factors[i];
            }
        }

        return (Array.ConvertAll(inv, x => (float)x), (float)attentionFactor);
    }

    /// <summary>theta^(-2i/dim) for i in [0, dim/2).</summary>
    private static double[] Unscaled(double theta, int dim)
    {
        var inv = new double[dim / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            inv[i] = 1.0 / Math.Pow(theta, 2.0 * i / dim);
        }

        return inv;
    }

    /// <summary>
    /// Llama 3.1: wavelengths longer than original/low_freq_factor are divided by the factor, shorter than
    /// original/high_freq_factor kept, and in between blended by smooth = (original/wavelength - low) / (high - low).
    /// </summary>
    private static void ApplyLlama3(double[] inv, RopeScaling s)
    {
        double lowFreqWavelength = s.OriginalMaxPositions / (double)s.LowFreqFactor;
        double highFreqWavelength = s.OriginalMaxPositions / (double)s.HighFreqFactor;
        for (int i = 0; i < inv.Length; i++)
        {
            double wavelength = 2 * Math.PI / inv[i];
            if (wavelength > lowFreqWavelength)
            {
                inv[i] /= s.Factor;
            }
            else if (wavelength >= highFreqWavelength)
            {
                double smooth = ((s.OriginalMaxPositions / wavelength) - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                inv[i] = ((1 - smooth) * inv[i] / s.Factor) + (smooth * inv[i]);
            }
        }
    }

    /// <summary>
    /// YaRN: dimension d rotates original / (2 pi theta^(d/dim))... times over the original context; the correction
    /// dims where that count equals beta_fast (low) and beta_slow (high) are floored/ceiled and clamped to [0, dim-1].
    /// Pair i uses interpolation weight ramp(i) = clamp((i - low) / (high - low), 0, 1).
    /// </summary>
    private static void ApplyYarn(double[] inv, RopeScaling s, double theta, int dim)
    {
        double low = Math.Max(Math.Floor(CorrectionDim(s.BetaFast, dim, theta, s.OriginalMaxPositions)), 0);
        double high = Math.Min(Math.Ceiling(CorrectionDim(s.BetaSlow, dim, theta, s.OriginalMaxPositions)), dim - 1);
        if (low == high)
        {
            high += 0.001; // as the reference does, to avoid dividing by zero
        }

        for (int i = 0; i < inv.Length; i++)
        {
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            double extrapolation = inv[i];
            double interpolation = inv[i] / s.Factor;
            inv[i] = (interpolation * ramp) + (extrapolation * (1 - ramp));
        }
    }

    private static double CorrectionDim(double rotations, int dim, double theta, int originalPositions) =>
        dim * Math.Log(originalPositions / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));

    /// <summary>The given attention_factor; else mscale(factor, mscale) / mscale(factor, mscale_all_dim) when both are given; else 0.1 ln(factor) + 1.</summary>
    private static double YarnAttentionFactor(RopeScaling s)
    {
        if (s.AttentionFactor is float given)
        {
            return given;
        }

        if (s.MScale is float m && s.MScaleAllDim is float all && m != 0 && all != 0)
        {
            return MScale(s.Factor, m) / MScale(s.Factor, all);
        }

        return MScale(s.Factor, 1);
    }

    private static double MScale(double factor, double mscale) => factor <= 1 ? 1 : (0.1 * mscale * Math.Log(factor)) + 1;
}
