using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

public sealed class SamplerLogProbabilityTests
{
    public static TheoryData<int> Lengths => [1, 3, 4, 15, 16, 17, 31, 63, 65, 1000, 4099];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Log_probability_matches_a_double_precision_reference_on_every_path(int length)
    {
        var random = new Random(length);
        float[] logits = [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 70) - 60))];
        if (length > 2)
        {
            logits[length / 3] = float.NegativeInfinity;
        }

        SamplingOptions[] paths =
        [
            SamplingOptions.Greedy,
            SamplingMath.Plain(temperature: 0.7f),
            SamplingMath.Plain(temperature: 3f) with { TopK = Math.Max(1, length / 2) },
            SamplingMath.Plain(temperature: 1.5f) with { TopP = 0.8f },
            SamplingMath.Plain(temperature: 1.5f) with { MinP = 0.01f },
        ];
        foreach (SamplingOptions options in paths)
        {
            var sampler = new Sampler(options, length);
            double temperature = options.IsGreedy ? 1 : options.Temperature;
            double[] reference = SamplingMath.Softmax(logits, temperature);
            for (int draw = 0; draw < 5; draw++)
            {
                int token = sampler.Sample(logits, []);
                double expected = Math.Log(reference[token]);
                Assert.True(reference[token] > 0, $"drew masked token {token}");
                Assert.True(
                    Math.Abs(sampler.LastLogProbability - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)),
                    $"{options}: token {token} log p {sampler.LastLogProbability}, reference {expected}");
            }
        }
    }

    [Fact]
    public void Masked_tokens_are_never_drawn_even_when_everything_else_is_tiny()
    {
        // Weights far below float's normal range round to zero; masked ids must stay at exactly zero probability.
        float[] logits = new float[300];
        Array.Fill(logits, float.NegativeInfinity);
        logits[7] = 0f;
        logits[250] = -80f;
        var sampler = new Sampler(SamplingMath.Plain(), logits.Length);
        int[] counts = SamplingMath.Histogram(sampler, logits, 2000);
        Assert.Equal(2000, counts[7] + counts[250]);
    }
}
