using LlmFramework.Models.Llama.Config;

namespace LlmFramework.Models.Llama.Tests.Config;

public sealed class RopeFrequenciesTests
{
    private static LlamaConfig Config(int headDim, float theta, RopeScaling? scaling) => new()
    {
        Architecture = "llama",
        HiddenSize = headDim * 4,
        IntermediateSize = 8,
        LayerCount = 1,
        HeadCount = 4,
        KvHeadCount = 4,
        HeadDim = headDim,
        RotaryDim = headDim,
        VocabSize = 10,
        MaxPositionEmbeddings = 2048,
        RmsNormEpsilon = 1e-5f,
        RopeTheta = theta,
        RopeScaling = scaling,
    };

    private static void Close(double expected, float actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 * Math.Abs(expected), $"expected {expected}, got {actual}");

    [Fact]
    public void Unscaled_frequencies_are_theta_to_the_minus_2i_over_d()
    {
        (float[] inv, float attention) = RopeFrequencies.Compute(Config(8, 10000f, null));
        Assert.Equal(4, inv.Length);
        Close(1, inv[0]);
        Close(0.1, inv[1]);      // 10000^(-2/8)
        Close(0.01, inv[2]);
        Close(0.001, inv[3]);
        Assert.Equal(1f, attention);
    }

    [Fact]
    public void Linear_scaling_divides_every_frequency()
    {
        (float[] inv, float attention) = RopeFrequencies.Compute(Config(8, 10000f, new RopeScaling("linear", 4f)));
        Close(0.25, inv[0]);
        Close(0.025, inv[1]);
        Close(0.00025, inv[3]);
        Assert.Equal(1f, attention);
    }

    [Fact]
    public void Llama3_keeps_short_wavelengths_divides_long_ones_and_blends_between()
    {
        // Llama 3.1 8B: theta 500000, head dim 128, factor 8, low 1, high 4, original context 8192.
        // Wavelengths 2*pi*500000^(2i/128) lie between 8192/4 and 8192/1 exactly for i = 29..34.
        var scaling = new RopeScaling("llama3", 8f, OriginalMaxPositions: 8192, LowFreqFactor: 1f, HighFreqFactor: 4f);
        (float[] inv, _) = RopeFrequencies.Compute(Config(128, 500000f, scaling));
        for (int i = 0; i < 64; i++)
        {
            double f = Math.Pow(500000, -i / 64.0);
            double expected;
            if (i <= 28)
            {
                expected = f;
            }
            else if (i >= 35)
            {
                expected = f / 8;
            }
            else
            {
                // blend weight: how far the rotation count over the original context is from 1 towards 4
                double rotations = 8192 * f / (2 * Math.PI);
                double smooth = (rotations - 1) / 3;
                expected = (f / 8 * (1 - smooth)) + (f * smooth);
            }

            Close(expected, inv[i]);
        }
    }

    [Fact]
    public void Yarn_ramps_from_extrapolation_to_interpolation_between_the_correction_dims()
    {
        // head dim 64, theta 10000, original 2048: the beta_fast=32 correction dim is 8.064 (floor 8) and the
        // beta_slow=1 one is 20.105 (ceil 21), worked out by hand from d*ln(L/(2*pi*r))/(2*ln(theta)).
        var scaling = new RopeScaling("yarn", 4f, OriginalMaxPositions: 2048);
        (float[] inv, float attention) = RopeFrequencies.Compute(Config(64, 10000f, scaling));
        for (int i = 0; i < 32; i++)
        {
            double f = Math.Pow(10000, -i / 32.0);
            double interpolate = Math.Clamp((i - 8) / 13.0, 0, 1);
            Close((f / 4 * interpolate) + (f * (1 - interpolate)), inv[i]);
        }

        Close(1 + (0.1 * Math.Log(4)), attention);
    }

    [Fact]
    public void Yarn_attention_factor_can_be_given_or_derived_from_mscale()
    {
        (_, float given) = RopeFrequencies.Compute(Config(64, 10000f, new RopeScaling("yarn", 4f, OriginalMaxPositions: 2048, AttentionFactor: 1.25f)));
        Assert.Equal(1.25f, given);
        (_, float equal) = RopeFrequencies.Compute(Config(64, 10000f, new RopeScaling("yarn", 40f, OriginalMaxPositions: 2048, MScale: 0.707f, MScaleAllDim: 0.707f)));
        Close(1, equal);
        (_, float ratio) = RopeFrequencies.Compute(Config(64, 10000f, new RopeScaling("yarn", 40f, OriginalMaxPositions: 2048, MScale: 1f, MScaleAllDim: 0.5f)));
        Close((1 + (0.1 * Math.Log(40))) / (1 + (0.05 * Math.Log(40))), ratio);
    }

    [Fact]
    public void Partial_rotary_dim_gives_half_as_many_frequencies()
    {
        LlamaConfig c = Config(16, 10000f, null) with { RotaryDim = 8 };
        (float[] inv, _) = RopeFrequencies.Compute(c);
        Assert.Equal(4, inv.Length);
        Close(0.1, inv[1]);
    }
}
