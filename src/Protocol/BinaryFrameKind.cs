namespace LlmFramework.Protocol;

/// <summary>What a <see cref="BinaryStreamFrame"/> carries.</summary>
public enum BinaryFrameKind
{
    /// <summary>New text (and the tokens that made it).</summary>
    Delta = 0,

    /// <summary>The last frame of a completed generation: finish reason and usage.</summary>
    Final = 1,

    /// <summary>The generation failed after streaming began; <see cref="BinaryStreamFrame.Error"/> says why. Last frame.</summary>
    Error = 2,
}
