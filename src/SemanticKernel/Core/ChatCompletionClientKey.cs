namespace LlmFramework.SemanticKernel.Core;

/// <summary>The private service key under which a chat completion registration keeps its chat client.</summary>
/// <param name="ServiceId">The chat completion service's id (null = the default registration).</param>
internal sealed record ChatCompletionClientKey(string? ServiceId);
