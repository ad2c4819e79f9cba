using LlmFramework.Schedulers.Common;
using LlmFramework.Schedulers.LoadAware;

namespace LlmFramework.Schedulers.Tests.Common;

public sealed class SchedulerSettingsTests
{
    [Fact]
    public void Keys_are_case_insensitive_and_values_invariant()
    {
        var scheduler = (LoadAwareScheduler)new LoadAwareSchedulerFactory().Create(new Dictionary<string, string> { ["promotionMARGIN"] = "1.5", ["minimumcount"] = " 20 " });

        Assert.Equal(new ResidencyOptions(1.5, 20), scheduler.Options);
    }

    [Fact]
    public void Unset_keys_take_the_defaults()
    {
        var scheduler = (LoadAwareScheduler)new LoadAwareSchedulerFactory().Create(new Dictionary<string, string>());

        Assert.Equal(new ResidencyOptions(1.25, 8), scheduler.Options);
    }

    [Fact]
    public void A_key_given_twice_in_different_cases_is_an_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LoadAwareSchedulerFactory().Create(new Dictionary<string, string> { ["MinimumCount"] = "1", ["minimumcount"] = "2" }));
        Assert.StartsWith("the LoadAware MoE scheduler's setting MinimumCount is given twice", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PromotionMargin", "0.9", "must be a number of at least 1, got '0.9'")]
    [InlineData("PromotionMargin", "NaN", "must be a number of at least 1, got 'NaN'")]
    [InlineData("PromotionMargin", "1,5", "must be a number of at least 1, got '1,5'")]
    [InlineData("MinimumCount", "-1", "must be a whole number of at least 0, got '-1'")]
    [InlineData("MinimumCount", "2.5", "must be a whole number of at least 0, got '2.5'")]
    public void A_bad_value_is_an_error_naming_the_setting_and_the_value(string key, string value, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new LoadAwareSchedulerFactory().Create(new Dictionary<string, string> { [key] = value }));
        Assert.Equal($"the LoadAware MoE scheduler's setting {key} {message}", ex.Message);
    }
}
