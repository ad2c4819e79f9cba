using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Engine.Moe;

/// <summary>How an engine counts and places the routed experts of an MoE model (config section LlmFramework:Moe).</summary>
public sealed record MoeOptions
{
    /// <summary>Decides placement; null keeps every expert resident (the Static behaviour) and only counts.</summary>
    public IMoeScheduler? Scheduler { get; init; }

    /// <summary>Most bytes of routed experts kept resident; -1 = no limit (config Moe:ExpertMemoryMiB).</summary>
    public long ExpertBudgetBytes { get; init; } = -1;

    /// <summary>Steps the routing window covers.</summary>
    public int WindowSteps { get; init; } = 256;

    /// <summary>Steps between two placement plans.</summary>
    public int RebalanceSteps { get; init; } = 16;

    /// <summary>
    /// Devices the scheduler may spread experts over (config Moe:Devices). Above 1 the engine also runs the experts on
    /// that many devices: CPU backend instances made by <see cref="ExpertDeviceFactory"/>, the engine's threads split
    /// over them (so at most one device per thread), each computing the entries of the expert replicas it holds.
    /// </summary>
    public int DeviceCount { get; init; } = 1;

    /// <summary>
    /// Predict the next MoE layer's experts from the current layer's hidden state and ask the kernel to read the cold
    /// ones ahead (asynchronous read-ahead into the page cache: it pays when cold experts are not cached, and costs a
    /// few microseconds when they are). Config Moe:PrefetchNextLayer.
    /// </summary>
    public bool PrefetchNextLayer { get; init; } = true;

    /// <summary>
    /// Makes the expert devices when <see cref="DeviceCount"/> is above 1: the CPU backend's factory (the host passes the
    /// loaded one). Unused with one device.
    /// </summary>
    public IBackendFactory? ExpertDeviceFactory { get; init; }

    /// <summary>Saved statistics to start from (a warm restart), or null.</summary>
    public ExpertLoad? InitialLoad { get; init; }

    /// <summary>Checks the values, naming the bad one.</summary>
    public void Validate()
    {
        if (ExpertBudgetBytes < -1)
        {
            throw new ArgumentException($"Moe:ExpertBudgetBytes must be -1 (no limit) or at least 0, got {ExpertBudgetBytes}");
        }

        if (WindowSteps < 1 || RebalanceSteps < 1 || DeviceCount < 1)
        {
            throw new ArgumentException($"Moe:WindowSteps ({WindowSteps}), Moe:RebalanceSteps ({RebalanceSteps}) and Moe:DeviceCount ({DeviceCount}, config Moe:Devices) must be at least 1");
        }
    }
}
