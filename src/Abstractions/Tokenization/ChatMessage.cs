namespace LlmFramework.Abstractions.Tokenization;

/// <summary>One message of a chat.</summary>
/// <param name="Role">"system", "user", "assistant" or "tool".</param>
/// <param name="Content">The message text.</param>
public sealed record ChatMessage(string Role, string Content);
