using LlmFramework.Abstractions.Moe;
using LlmFramework.Schedulers.Common;

namespace LlmFramework.Schedulers.Static;

/// <summary>Keeps every routed expert resident on device 0 (<see cref="ExpertPlacement.AllResident"/>), whatever the load.</summary>
internal sealed class StaticScheduler : IMoeScheduler
{
    public string Name => StaticSchedulerFactory.SchedulerName;

    /// <exception cref="InvalidOperationException">The budget is smaller than all experts together.</exception>
    public ExpertPlacement Plan(ExpertPlacementRequest request)
    {
        PlanChecks.Validate(request);
        MoeModelShape shape = request.Shape;
        if (shape.TotalExpertBytes > request.ResidentBudgetBytes)
        {
            throw new InvalidOperationException(
                $"the Static MoE scheduler keeps all {(long)shape.MoeLayerCount * shape.ExpertCount} routed experts resident and needs {shape.TotalExpertBytes} bytes, " +
                $"but the resident budget is {request.ResidentBudgetBytes} bytes; raise the budget or use the LoadAware or Balanced scheduler");
        }

        return PlanChecks.WithinBudget(Name, ExpertPlacement.AllResident(shape), request.ResidentBudgetBytes);
    }
}
