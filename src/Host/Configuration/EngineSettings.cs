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
}
