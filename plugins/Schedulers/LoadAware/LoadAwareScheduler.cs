using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;

namespace LlmFramework.Schedulers.LoadAware;

/// <summary>Keeps the hottest experts resident (<see cref="HotSet"/>), all on device 0; the rest stay in the mapped file.</summary>
internal sealed class LoadAwareScheduler(ResidencyOptions options) : IMoeScheduler
{
    public string Name => LoadAwareSchedulerFactory.SchedulerName;

    /// <summary>The hysteresis in use.</summary>
    public ResidencyOptions Options { get; } = options;

    public ExpertPlacement Plan(ExpertPlacementRequest request)
    {
        PlanChecks.Validate(request);
        bool[] resident = HotSet.Select(request, Options);
        var plan = new ExpertPlacement(request.Shape, request.DeviceCount, resident, PlanChecks.OnDeviceZero(resident.Length));
        return PlanChecks.WithinBudget(Name, plan, request.ResidentBudgetBytes);
    }
}
