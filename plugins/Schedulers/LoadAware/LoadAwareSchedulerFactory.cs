using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;

namespace LlmFramework.Schedulers.LoadAware;

/// <summary>
/// Creates the "LoadAware" (hot/cold) scheduler: the experts with the most routed tokens in the window stay resident
/// within the budget, with hysteresis. Settings: <c>PromotionMargin</c> (default 1.25: a cold expert displaces a
/// resident one only with more than 1.25 times its window count) and <c>MinimumCount</c> (default 8: and only with at
/// least 8 tokens in the window); <c>CompactFormat</c> (e.g. q4_0: the next hottest experts are held converted to it
/// within <c>CompactShare</c> of the budget, default 0.5; none by default).
/// </summary>
public sealed class LoadAwareSchedulerFactory : IMoeSchedulerFactory
{
    /// <summary>The scheduler's configuration name.</summary>
    public const string SchedulerName = "LoadAware";

    /// <inheritdoc />
    public string Name => SchedulerName;

    /// <inheritdoc />
    public string Description => "the hottest experts (sliding-window routing counts) resident within the budget, with hysteresis, optionally a compact tier (settings: PromotionMargin, MinimumCount, CompactFormat, CompactShare)";

    /// <inheritdoc />
    public IMoeScheduler Create(IReadOnlyDictionary<string, string> settings)
    {
        SchedulerSettings read = SchedulerSettings.Read(SchedulerName, settings, ResidencyOptions.PromotionMarginKey, ResidencyOptions.MinimumCountKey, CompactTier.FormatKey, CompactTier.ShareKey);
        return new LoadAwareScheduler(ResidencyOptions.From(read), CompactTier.From(read));
    }
}
