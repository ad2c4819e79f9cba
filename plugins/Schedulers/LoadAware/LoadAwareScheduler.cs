using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;

namespace LlmFramework.Schedulers.LoadAware;

/// <summary>Keeps the hottest experts resident (<see cref="HotSet"/>), optionally the next hottest in a compact format (<see cref="CompactTier"/>), all on device 0; the rest stay in the mapped file.</summary>
internal sealed class LoadAwareScheduler(ResidencyOptions options, CompactTier compact) : IMoeScheduler
{
    public string Name => LoadAwareSchedulerFactory.SchedulerName;

    /// <summary>The hysteresis in use.</summary>
    public ResidencyOptions Options { get; } = options;

    /// <summary>The compact tier in use.</summary>
    public CompactTier Compact { get; } = compact;

    public ExpertPlacement Plan(ExpertPlacementRequest request)
    {
        PlanChecks.Validate(request);
        (bool[] resident, Abstractions.Tensors.DType?[]? formats) = Compact.Select(request, Options);
        var plan = new ExpertPlacement(request.Shape, request.DeviceCount, resident, PlanChecks.OnDeviceZero(resident.Length), formats, request.CompactFormats);
        return PlanChecks.WithinBudget(Name, plan, request.ResidentBudgetBytes);
    }
}
