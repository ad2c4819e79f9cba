namespace LlmFramework.Schedulers.Common;

/// <summary>
/// The hysteresis of hot/cold residency: once the resident set is full, a cold expert takes the place of the coldest
/// resident one only when it is clearly hotter, so the set does not flap between plans.
/// </summary>
/// <param name="PromotionMargin">The cold expert's window count must exceed the resident one's times this (at least 1).</param>
/// <param name="MinimumCount">The cold expert's window count must also be at least this.</param>
internal sealed record ResidencyOptions(double PromotionMargin, long MinimumCount)
{
    /// <summary>The setting that sets <see cref="PromotionMargin"/>.</summary>
    public const string PromotionMarginKey = "PromotionMargin";

    /// <summary>The setting that sets <see cref="MinimumCount"/>.</summary>
    public const string MinimumCountKey = "MinimumCount";

    /// <summary>A quarter more tokens, and at least 8, before a resident expert is displaced.</summary>
    public static ResidencyOptions Default { get; } = new(1.25, 8);

    /// <summary>The options set in <paramref name="settings"/>, the defaults for the rest.</summary>
    public static ResidencyOptions From(SchedulerSettings settings) => new(
        settings.Number(PromotionMarginKey, 1.0) ?? Default.PromotionMargin,
        settings.Number(MinimumCountKey, 0L) ?? Default.MinimumCount);

    /// <summary>Whether an expert with <paramref name="challenger"/> window tokens displaces a resident one with <paramref name="holder"/>.</summary>
    public bool Displaces(long challenger, long holder) => challenger >= MinimumCount && challenger > PromotionMargin * holder;
}
