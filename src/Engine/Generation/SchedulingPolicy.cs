namespace LlmFramework.Engine.Generation;

/// <summary>The order in which waiting generations start, and which running one gives way when the KV cache is full.</summary>
public enum SchedulingPolicy
{
    /// <summary>Arrival order; the latest arrival is preempted first.</summary>
    FirstComeFirstServed = 0,

    /// <summary>By <see cref="GenerationRequest.Priority"/> (lower runs sooner), then arrival; the lowest priority, latest arrival is preempted first.</summary>
    Priority = 1,
}
