using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

public sealed class SamplerPenaltyTests
{
    [Fact]
    public void Repetition_penalty_divides_a_positive_logit()
    {
        // Token 0: 2.0 / 2 = 1.0 falls below token 1's 1.5.
        var sampler = new Sampler(Greedy(repetition: 2f), 3);
        float[] logits = [2.0f, 1.5f, -3f];

        Assert.Equal(0, sampler.Sample(logits, []));
        Assert.Equal(1, sampler.Sample(logits, [0]));
        Assert.Equal(LogSoftmax([1.0f, 1.5f, -3f], 1), sampler.LastLogProbability, 5);
    }

    [Fact]
    public void Repetition_penalty_multiplies_a_negative_logit()
    {
        // Token 0: -1.0 * 2 = -2.0 falls below token 1's -1.5 (dividing would have raised it to -0.5).
        var sampler = new Sampler(Greedy(repetition: 2f), 3);
        float[] logits = [-1.0f, -1.5f, -3f];

        Assert.Equal(0, sampler.Sample(logits, []));
        Assert.Equal(1, sampler.Sample(logits, [0, 0, 0]));
        Assert.Equal(LogSoftmax([-2.0f, -1.5f, -3f], 1), sampler.LastLogProbability, 5);
    }

    [Fact]
    public void Repetition_penalty_below_one_favours_repeats()
    {
        var sampler = new Sampler(Greedy(repetition: 0.5f), 2);
        Assert.Equal(0, sampler.Sample([1.0f, 1.5f], [0])); // 1.0 / 0.5 = 2.0
    }

    [Fact]
    public void Frequency_counts_occurrences_and_presence_counts_once()
    {
        // Token 0 occurs twice: 1 - 2 * 0.5 - 0.25 = -0.25; token 1 once: 1 - 0.5 - 0.25 = 0.25; token 2 untouched.
        var sampler = new Sampler(Greedy() with { FrequencyPenalty = 0.5f, PresencePenalty = 0.25f }, 3);
        float[] logits = [1f, 1f, 1f];

        Assert.Equal(2, sampler.Sample(logits, [0, 1, 0]));
        Assert.Equal(LogSoftmax([-0.25f, 0.25f, 1f], 2), sampler.LastLogProbability, 5);
    }

    [Fact]
    public void Penalties_only_see_the_window()
    {
        // Window 2 sees [1, 1]: token 0 (outside the window) keeps its logit.
        var sampler = new Sampler(Greedy(repetition: 4f) with { RepetitionWindow = 2 }, 2);
        Assert.Equal(0, sampler.Sample([2f, 1.9f], [0, 0, 1, 1]));
        Assert.Equal(1, sampler.Sample([2f, 1.9f], [1, 0, 0]));
    }

    [Fact]
    public void Window_minus_one_sees_the_whole_history_and_zero_disables()
    {
        int[] history = [0, .. Enumerable.Repeat(1, 500)];
        Assert.Equal(2, new Sampler(Greedy(repetition: 4f) with { RepetitionWindow = -1 }, 3).Sample([2f, 0f, 1.9f], history));
        Assert.Equal(0, new Sampler(Greedy(repetition: 4f) with { RepetitionWindow = 0 }, 3).Sample([2f, 0f, 1.9f], history));
    }

    [Fact]
    public void Penalties_apply_before_temperature_and_truncation()
    {
        // Without the penalty token 0 dominates; with it, top-k 1 must keep token 1.
        var options = new SamplingOptions { Temperature = 1f, TopK = 1, TopP = 1f, MinP = 0f, RepetitionPenalty = 10f, Seed = 1 };
        var sampler = new Sampler(options, 3);
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(1, sampler.Sample([5f, 1f, 0f], [0]));
        }
    }

    [Fact]
    public void Penalties_do_not_change_the_callers_logits()
    {
        var sampler = new Sampler(Greedy(repetition: 2f), 2);
        float[] logits = [2f, 1.5f];
        sampler.Sample(logits, [0]);
        Assert.Equal([2f, 1.5f], logits);
    }

    [Fact]
    public void Previous_token_outside_the_vocabulary_is_rejected()
    {
        var sampler = new Sampler(Greedy(repetition: 2f), 3);
        ArgumentException error = Assert.Throws<ArgumentException>(() => sampler.Sample([0f, 0f, 0f], [1, 7]));
        Assert.Contains("token 7", error.Message, StringComparison.Ordinal);
    }

    private static SamplingOptions Greedy(float repetition = 1f) => SamplingOptions.Greedy with { RepetitionPenalty = repetition };

    private static double LogSoftmax(float[] logits, int id) => Math.Log(SamplingMath.Softmax(logits)[id]);
}
