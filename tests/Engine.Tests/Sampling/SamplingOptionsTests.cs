using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

public sealed class SamplingOptionsTests
{
    [Fact]
    public void Defaults_and_greedy_are_valid()
    {
        new SamplingOptions().Validate();
        SamplingOptions.Greedy.Validate();
        Assert.True(SamplingOptions.Greedy.IsGreedy);
        Assert.False(new SamplingOptions().IsGreedy);
        Assert.False(new SamplingOptions().HasPenalties);
    }

    public static TheoryData<SamplingOptions, string> InvalidOptions => new()
    {
        { new SamplingOptions { TopP = 1.5f }, "top_p must be in (0, 1], got 1.5" },
        { new SamplingOptions { TopP = 0f }, "top_p must be in (0, 1], got 0" },
        { new SamplingOptions { TopP = float.NaN }, "top_p must be in (0, 1], got NaN" },
        { new SamplingOptions { MinP = -0.1f }, "min_p must be in [0, 1], got -0.1" },
        { new SamplingOptions { MinP = 2f }, "min_p must be in [0, 1], got 2" },
        { new SamplingOptions { Temperature = float.NaN }, "temperature must be a finite number" },
        { new SamplingOptions { Temperature = float.PositiveInfinity }, "temperature must be a finite number" },
        { new SamplingOptions { RepetitionPenalty = 0f }, "repetition_penalty must be a finite number > 0" },
        { new SamplingOptions { RepetitionWindow = -2 }, "repetition_window must be >= -1" },
        { new SamplingOptions { PresencePenalty = 2.5f }, "presence_penalty must be in [-2, 2], got 2.5" },
        { new SamplingOptions { FrequencyPenalty = -3f }, "frequency_penalty must be in [-2, 2], got -3" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Out_of_range_field_is_named_with_its_range(SamplingOptions options, string expected)
    {
        ArgumentException error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sampler_validates_its_options()
    {
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplingOptions { TopP = 1.5f }, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions(), 0));
    }

    [Fact]
    public void Negative_temperature_is_greedy()
    {
        var options = new SamplingOptions { Temperature = -1f };
        options.Validate();
        Assert.True(options.IsGreedy);
    }
}
