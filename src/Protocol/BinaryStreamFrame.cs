using MessagePack;

namespace LlmFramework.Protocol;

/// <summary>One frame of the binary stream (see <see cref="BinaryStreamProtocol"/>).</summary>
[MessagePackObject]
public sealed class BinaryStreamFrame
{
    /// <summary>What the frame carries.</summary>
    [Key(0)]
    public BinaryFrameKind Kind { get; set; }

    /// <summary>New answer text (Delta; may also be set on Final).</summary>
    [Key(1)]
    public string Text { get; set; } = "";

    /// <summary>New reasoning text (text between &lt;think&gt; tags), for models that reason.</summary>
    [Key(2)]
    public string ReasoningText { get; set; } = "";

    /// <summary>Token ids generated since the previous frame.</summary>
    [Key(3)]
    public int[] TokenIds { get; set; } = [];

    /// <summary>Final: "stop", "length" or "cancelled" (OpenAI's names).</summary>
    [Key(4)]
    public string? FinishReason { get; set; }

    /// <summary>Final: prompt tokens.</summary>
    [Key(5)]
    public int PromptTokens { get; set; }

    /// <summary>Final: generated tokens.</summary>
    [Key(6)]
    public int CompletionTokens { get; set; }

    /// <summary>Error: what went wrong.</summary>
    [Key(7)]
    public string? Error { get; set; }

    /// <summary>Final: the model id that answered.</summary>
    [Key(8)]
    public string? Model { get; set; }
}
