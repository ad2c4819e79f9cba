namespace LlmFramework.Abstractions.Moe;

/// <summary>
/// Decides where routed experts live (contract 1.2). The engine calls <see cref="Plan"/> between steps, every
/// rebalance interval, on its own thread (never inside a step), and applies the result in the background: demotions
/// first, so resident bytes never exceed the budget. Implementations must be pure functions of the request (no
/// I/O) and fast (milliseconds for thousands of experts).
/// </summary>
public interface IMoeScheduler
{
    /// <summary>Name used in configuration (e.g. "LoadAware").</summary>
    string Name { get; }

    /// <summary>The placement to use from now on; its <see cref="ExpertPlacement.ResidentBytes"/> must not exceed the request's budget.</summary>
    ExpertPlacement Plan(ExpertPlacementRequest request);
}
