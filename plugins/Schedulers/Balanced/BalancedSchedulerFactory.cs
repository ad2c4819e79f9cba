using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;

namespace LlmFramework.Schedulers.Balanced;

/// <summary>
/// Creates the "Balanced" scheduler (the idea of EPLB in vLLM: logical experts, physical replicas): per MoE layer the
/// hottest experts get extra replicas and the replicas are spread over the devices so that device loads even out;
/// residency as the LoadAware scheduler decides it. Settings: <c>ReplicaSlots</c> (extra replicas per layer, default
/// the request's device count), <c>PromotionMargin</c>, <c>MinimumCount</c>, <c>CompactFormat</c> and <c>CompactShare</c> (as LoadAware).
/// </summary>
public sealed class BalancedSchedulerFactory : IMoeSchedulerFactory
{
    /// <summary>The scheduler's configuration name.</summary>
    public const string SchedulerName = "Balanced";

    /// <summary>The setting for the extra replicas per layer.</summary>
    public const string ReplicaSlotsKey = "ReplicaSlots";

    /// <inheritdoc />
    public string Name => SchedulerName;

    /// <inheritdoc />
    public string Description => "replicas of the hottest experts spread over the devices to even out device load (EPLB), hottest resident within the budget (settings: ReplicaSlots, PromotionMargin, MinimumCount, CompactFormat, CompactShare)";

    /// <inheritdoc />
    public IMoeScheduler Create(IReadOnlyDictionary<string, string> settings)
    {
        SchedulerSettings read = SchedulerSettings.Read(SchedulerName, settings, ReplicaSlotsKey, ResidencyOptions.PromotionMarginKey, ResidencyOptions.MinimumCountKey, CompactTier.FormatKey, CompactTier.ShareKey);
        return new BalancedScheduler(ResidencyOptions.From(read), read.Number(ReplicaSlotsKey, 0), CompactTier.From(read));
    }
}
