namespace LlmFramework.Engine.Generation;

/// <summary>Why a generation ended.</summary>
public enum FinishReason
{
    /// <summary>Reached the requested number of tokens.</summary>
    Length = 0,
    /// <summary>Produced a stop string or stop token.</summary>
    Stop = 1,
    /// <summary>Produced an end-of-sequence token.</summary>
    EndOfSequence = 2,
    /// <summary>Reached the context length.</summary>
    ContextFull = 3,
    /// <summary>The caller cancelled.</summary>
    Cancelled = 4,
}
