namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Moe: expert statistics and placement for mixture-of-experts models (see docs/moe.md).</summary>
public sealed class MoeSettings
{
    /// <summary>Scheduler plugin by name ("Static", "LoadAware", "Balanced"); empty = count only, everything resident.</summary>
    public string Scheduler { get; set; } = "";

    /// <summary>Most MiB of routed experts kept resident; -1 = no limit.</summary>
    public double ExpertMemoryMiB { get; set; } = -1;

    /// <summary>Steps the routing window covers.</summary>
    public int WindowSteps { get; set; } = 256;

    /// <summary>Steps between two placement plans.</summary>
    public int RebalanceSteps { get; set; } = 16;

    /// <summary>
    /// Devices experts are spread over (the Balanced scheduler's replicas); above 1 the experts run on that many CPU
    /// backend instances, the threads split over them (at most Backends:Threads devices).
    /// </summary>
    public int Devices { get; set; } = 1;

    /// <summary>Predict the next MoE layer's experts and read the cold ones ahead into the page cache (see docs/moe.md).</summary>
    public bool PrefetchNextLayer { get; set; } = true;

    /// <summary>A MessagePack statistics file: loaded at start when it exists (a warm start) and written at shutdown; empty = none.</summary>
    public string StatisticsFile { get; set; } = "";

    /// <summary>Scheduler-specific settings (for example PromotionMargin), passed to the scheduler factory.</summary>
    public Dictionary<string, string> Settings { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
