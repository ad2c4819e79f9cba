namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Engine (see LlmFramework.Engine.EngineOptions).</summary>
public sealed class EngineSettings
{
    /// <summary>Most tokens per step.</summary>
    public int MaxBatchTokens { get; set; } = 256;

    /// <summary>Most sequences at once.</summary>
    public int MaxSequences { get; set; } = 8;

    /// <summary>Token slots per KV block.</summary>
    public int KvBlockSize { get; set; } = 16;

    /// <summary>Token slots in the KV cache; 0 = automatic.</summary>
    public int KvCacheTokens { get; set; }

    /// <summary>KV-cache memory budget in MiB; above 0 it sizes the block pool (and KvCacheTokens must be 0).</summary>
    public double KvCacheMemoryMiB { get; set; }

    /// <summary>Most requests waiting to start (0 = no limit); more are refused (HTTP 429).</summary>
    public int MaxQueuedRequests { get; set; } = 256;

    /// <summary>"fcfs" (arrival order) or "priority" (a request's priority, then arrival).</summary>
    public string SchedulingPolicy { get; set; } = "fcfs";

    /// <summary>Share the KV blocks of common prompt prefixes between requests.</summary>
    public bool PrefixCaching { get; set; } = true;
}
