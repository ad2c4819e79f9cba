using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

public sealed class SamplerDistributionTests
{
    private const int Draws = 20_000;

    private static readonly float[] Logits = [1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 2.5f, float.NegativeInfinity, 0f];

    [Fact]
    public void Frequencies_match_softmax_at_temperature_one()
    {
        var sampler = new Sampler(SamplingMath.Plain(temperature: 1f), Logits.Length);
        AssertFrequencies(SamplingMath.Softmax(Logits), SamplingMath.Histogram(sampler, Logits, Draws));
    }

    [Fact]
    public void Frequencies_match_softmax_of_scaled_logits_at_other_temperatures()
    {
        var cold = new Sampler(SamplingMath.Plain(temperature: 0.5f), Logits.Length);
        AssertFrequencies(SamplingMath.Softmax(Logits, 0.5), SamplingMath.Histogram(cold, Logits, Draws));
        var hot = new Sampler(SamplingMath.Plain(temperature: 2f), Logits.Length);
        AssertFrequencies(SamplingMath.Softmax(Logits, 2), SamplingMath.Histogram(hot, Logits, Draws));
    }

    [Fact]
    public void Top_k_path_matches_the_renormalised_softmax_of_the_k_best()
    {
        var sampler = new Sampler(SamplingMath.Plain() with { TopK = 3 }, Logits.Length);
        // The three best are ids 4 (3.0), 5 (2.5) and 1 (2.0).
        double[] expected = SamplingMath.Softmax([float.NegativeInfinity, 2.0f, float.NegativeInfinity, float.NegativeInfinity, 3.0f, 2.5f, float.NegativeInfinity, float.NegativeInfinity]);
        AssertFrequencies(expected, SamplingMath.Histogram(sampler, Logits, Draws));
    }

    [Fact]
    public void Large_vocabulary_frequencies_match_softmax()
    {
        // 2000 ids, 10 of them likely: exercises the vectorised exponentials and the block draw over the whole row.
        float[] logits = new float[2000];
        Array.Fill(logits, -4f);
        for (int i = 0; i < 10; i++)
        {
            logits[(i * 197) + 3] = 2f + (i * 0.1f);
        }

        var sampler = new Sampler(SamplingMath.Plain(), logits.Length);
        AssertFrequencies(SamplingMath.Softmax(logits), SamplingMath.Histogram(sampler, logits, Draws));
    }

    [Fact]
    public void Same_seed_and_logits_give_the_same_tokens()
    {
        var options = new SamplingOptions { Seed = 1234, Temperature = 1.3f, TopK = 0, TopP = 0.99f, MinP = 0f };
        int[] first = DrawSequence(new Sampler(options, 300));
        int[] second = DrawSequence(new Sampler(options, 300));
        int[] otherSeed = DrawSequence(new Sampler(options with { Seed = 1235 }, 300));

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
        Assert.True(first.Distinct().Count() > 20, "the draws should vary");
    }

    [Fact]
    public void Seed_reproduces_a_recorded_sequence()
    {
        // Pinned output: a change here means the generator or the draw changed, and old seeds no longer reproduce.
        var sampler = new Sampler(SamplingMath.Plain(seed: 7), 4);
        float[] uniform = [0f, 0f, 0f, 0f];
        int[] drawn = [.. Enumerable.Range(0, 16).Select(_ => sampler.Sample(uniform, []))];
        Assert.Equal(RecordedSeven, drawn);
    }

    [Fact]
    public void Random_seed_is_reported_and_reproduces()
    {
        var options = new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1f, MinP = 0f };
        var first = new Sampler(options, 300);
        var replay = new Sampler(options with { Seed = first.Seed }, 300);
        Assert.Equal(DrawSequence(first), DrawSequence(replay));
    }

    [Fact]
    public void Log_probability_is_under_the_post_temperature_distribution()
    {
        var sampler = new Sampler(SamplingMath.Plain(temperature: 0.7f) with { TopK = 4 }, Logits.Length);
        double[] expected = SamplingMath.Softmax(Logits, 0.7);
        for (int i = 0; i < 20; i++)
        {
            int token = sampler.Sample(Logits, []);
            Assert.Equal(Math.Log(expected[token]), sampler.LastLogProbability, 4);
        }
    }

    // floor(4 * u) for the first 16 uniforms of xoshiro256** seeded by SplitMix64(7), computed with a separate port of
    // the reference C code (checked against its published vectors: state {1,2,3,4} gives 11520, 0, 1509978240, ...).
    private static readonly int[] RecordedSeven = [2, 1, 3, 3, 3, 3, 0, 0, 1, 0, 2, 2, 3, 3, 1, 2];

    private static int[] DrawSequence(Sampler sampler)
    {
        var random = new Random(99);
        float[][] rows = [.. Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 300).Select(_ => (float)random.NextDouble() * 4).ToArray())];
        return [.. Enumerable.Range(0, 200).Select(i => sampler.Sample(rows[i % rows.Length], []))];
    }

    private static void AssertFrequencies(double[] expected, int[] counts)
    {
        int total = counts.Sum();
        for (int i = 0; i < expected.Length; i++)
        {
            double frequency = (double)counts[i] / total;
            Assert.True(
                Math.Abs(frequency - expected[i]) <= 0.02,
                $"id {i}: drawn {frequency:F4} of the time, softmax says {expected[i]:F4}");
            if (expected[i] == 0)
            {
                Assert.Equal(0, counts[i]);
            }
        }
    }
}
