using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

public sealed class SamplerGreedyTests
{
    public static TheoryData<int> Lengths => [1, 2, 7, 15, 16, 17, 31, 33, 64, 100, 1000, 4099];

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Greedy_is_argmax_wherever_the_maximum_is(int length)
    {
        var random = new Random(length);
        var sampler = new Sampler(SamplingOptions.Greedy, length);
        float[] logits = [.. Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 20) - 10))];
        foreach (int position in new[] { 0, length / 2, length - 1 }.Distinct())
        {
            float[] row = (float[])logits.Clone();
            row[position] = 11f;
            Assert.Equal(position, sampler.Sample(row, []));
        }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Greedy_ties_go_to_the_lowest_id(int length)
    {
        var sampler = new Sampler(SamplingOptions.Greedy, length);
        float[] logits = new float[length];
        Array.Fill(logits, -1f);
        logits[length - 1] = 3f;
        Assert.Equal(length - 1, sampler.Sample(logits, []));
        logits[length / 2] = 3f;
        Assert.Equal(length / 2, sampler.Sample(logits, []));
        Array.Fill(logits, 0f);
        Assert.Equal(0, sampler.Sample(logits, []));
    }

    [Fact]
    public void Greedy_works_with_minus_infinity_masks()
    {
        var sampler = new Sampler(SamplingOptions.Greedy, 5);
        Assert.Equal(3, sampler.Sample([float.NegativeInfinity, -5f, float.NegativeInfinity, -1f, -2f], []));
    }

    [Fact]
    public void Greedy_log_probability_is_the_log_softmax_at_temperature_one()
    {
        var sampler = new Sampler(SamplingOptions.Greedy, 4);
        Assert.True(float.IsNaN(sampler.LastLogProbability));
        float[] logits = [1f, 3f, 2f, -1f];

        Assert.Equal(1, sampler.Sample(logits, []));
        Assert.Equal(Math.Log(SamplingMath.Softmax(logits)[1]), sampler.LastLogProbability, 5);
    }

    [Fact]
    public void Wrong_row_length_and_unusable_logits_are_rejected()
    {
        var sampler = new Sampler(SamplingOptions.Greedy, 4);
        ArgumentException wrongLength = Assert.Throws<ArgumentException>(() => sampler.Sample(new float[3], []));
        Assert.Contains("vocabulary of 4", wrongLength.Message, StringComparison.Ordinal);

        float[] masked = [float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity];
        Assert.Throws<InvalidOperationException>(() => sampler.Sample(masked, []));
        Assert.Throws<InvalidOperationException>(() => sampler.Sample([0f, float.NaN, 1f, 2f], []));
        var random = new Sampler(new SamplingOptions { Seed = 1 }, 4);
        Assert.Throws<InvalidOperationException>(() => random.Sample(masked, []));
    }

    [Theory]
    [InlineData(17, 16)]
    [InlineData(100, 3)]
    [InlineData(100, 99)]
    [InlineData(4099, 2000)]
    public void NaN_anywhere_in_the_row_is_reported(int length, int position)
    {
        var sampler = new Sampler(SamplingOptions.Greedy, length);
        float[] logits = new float[length];
        logits[position] = float.NaN;
        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => sampler.Sample(logits, []));
        Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
    }
}
