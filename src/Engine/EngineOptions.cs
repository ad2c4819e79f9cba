namespace LlmFramework.Engine;

/// <summary>Sizes and limits of an <see cref="InferenceEngine"/>.</summary>
public sealed record EngineOptions
{
    /// <summary>Most tokens one step processes (prefill chunks are cut to fit).</summary>
    public int MaxBatchTokens { get; init; } = 256;

    /// <summary>Most sequences generating at once.</summary>
    public int MaxSequences { get; init; } = 8;

    /// <summary>Token slots per KV-cache block.</summary>
    public int KvBlockSize { get; init; } = 16;

    /// <summary>Token slots in the whole KV cache; 0 means the context length times <see cref="MaxSequences"/>, capped at 16,384.</summary>
    public int KvCacheTokens { get; init; }

    /// <summary>
    /// Memory budget of the KV cache in bytes; when set (above 0) it decides the number of blocks (as many as fit) and
    /// <see cref="KvCacheTokens"/> must be 0.
    /// </summary>
    public long KvCacheBytes { get; init; }

    /// <summary>Longest sequence (prompt + generated); 0 means the model's own context length.</summary>
    public int ContextLength { get; init; }

    /// <summary>Worker threads handed to backends; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Most requests waiting to start (0 = no limit); one more is refused with <see cref="Generation.EngineQueueFullException"/>.</summary>
    public int MaxQueuedRequests { get; init; } = 256;

    /// <summary>In which order waiting requests start and running ones are preempted.</summary>
    public Generation.SchedulingPolicy SchedulingPolicy { get; init; } = Generation.SchedulingPolicy.FirstComeFirstServed;

    /// <summary>Share the KV blocks of common prompt prefixes between generations (full blocks only).</summary>
    public bool PrefixCaching { get; init; } = true;

    /// <summary>Expert statistics and placement for mixture-of-experts models (ignored by dense models).</summary>
    public Moe.MoeOptions Moe { get; init; } = new();

    /// <summary>Checks the values, naming the bad one.</summary>
    public void Validate()
    {
        Moe.Validate();
        if (MaxBatchTokens < 1)
        {
            throw new ArgumentException($"MaxBatchTokens must be at least 1, got {MaxBatchTokens}");
        }

        if (MaxSequences < 1)
        {
            throw new ArgumentException($"MaxSequences must be at least 1, got {MaxSequences}");
        }

        if (KvBlockSize < 1 || KvBlockSize > 1024)
        {
            throw new ArgumentException($"KvBlockSize must be in [1, 1024], got {KvBlockSize}");
        }

        if (MaxQueuedRequests < 0)
        {
            throw new ArgumentException($"MaxQueuedRequests must not be negative, got {MaxQueuedRequests}");
        }

        if (!Enum.IsDefined(SchedulingPolicy))
        {
            throw new ArgumentException($"SchedulingPolicy {(int)SchedulingPolicy} is not a policy");
        }

        if (KvCacheBytes < 0)
        {
            throw new ArgumentException($"KvCacheBytes must not be negative, got {KvCacheBytes}");
        }

        if (KvCacheBytes > 0 && KvCacheTokens > 0)
        {
            throw new ArgumentException("set KvCacheTokens or KvCacheBytes, not both");
        }

        if (KvCacheTokens < 0 || ContextLength < 0 || Threads < 0)
        {
            throw new ArgumentException("KvCacheTokens, ContextLength and Threads must not be negative");
        }
    }
}
