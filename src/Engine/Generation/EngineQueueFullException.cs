namespace LlmFramework.Engine.Generation;

/// <summary>A request was refused because <see cref="EngineOptions.MaxQueuedRequests"/> requests are already waiting.</summary>
public sealed class EngineQueueFullException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public EngineQueueFullException(int queued, int limit)
        : base($"the request queue is full: {queued} requests are waiting (LlmFramework:Engine:MaxQueuedRequests = {limit}); retry later")
    {
        Queued = queued;
        Limit = limit;
    }

    /// <summary>Creates the exception.</summary>
    public EngineQueueFullException()
        : base("the request queue is full")
    {
    }

    /// <summary>Creates the exception.</summary>
    public EngineQueueFullException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public EngineQueueFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Requests waiting when this one was refused.</summary>
    public int Queued { get; }

    /// <summary>The configured limit.</summary>
    public int Limit { get; }
}
