using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;

namespace LlmFramework.Schedulers.Balanced;

/// <summary>Spreads replicas of the experts over the devices (<see cref="ReplicaPlanner"/>) and keeps the hottest resident (<see cref="HotSet"/>).</summary>
/// <param name="residency">The hysteresis of residency.</param>
/// <param name="replicaSlots">Extra replicas per layer; null for the request's device count.</param>
internal sealed class BalancedScheduler(ResidencyOptions residency, int? replicaSlots, CompactTier compact) : IMoeScheduler
{
    public string Name => BalancedSchedulerFactory.SchedulerName;

    /// <summary>The hysteresis in use.</summary>
    public ResidencyOptions Residency { get; } = residency;

    /// <summary>Extra replicas per layer, or null for the request's device count.</summary>
    public int? ReplicaSlots { get; } = replicaSlots;

    public ExpertPlacement Plan(ExpertPlacementRequest request)
    {
        PlanChecks.Validate(request);
        (bool[] resident, Abstractions.Tensors.DType?[]? formats) = compact.Select(request, Residency);
        int[][] devices = ReplicaPlanner.Place(request.Load, request.DeviceCount, ReplicaSlots ?? request.DeviceCount);
        var plan = new ExpertPlacement(request.Shape, request.DeviceCount, resident, devices, formats, request.CompactFormats);
        return PlanChecks.WithinBudget(Name, plan, request.ResidentBudgetBytes);
    }
}
