using MessagePack;

namespace LlmFramework.Protocol;

/// <summary>One message of a <see cref="BinaryChatRequest"/>.</summary>
[MessagePackObject]
public sealed class BinaryChatMessage
{
    /// <summary>"system", "user", "assistant" or "tool".</summary>
    [Key(0)]
    public string Role { get; set; } = "user";

    /// <summary>The text.</summary>
    [Key(1)]
    public string Content { get; set; } = "";
}
