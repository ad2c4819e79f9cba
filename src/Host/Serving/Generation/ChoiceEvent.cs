using LlmFramework.Engine.Generation;
using LlmFramework.Host.Serving.Parsing;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>What one engine step gave one choice: new answer and reasoning text, the token, and at the end the finish reason.</summary>
internal sealed record ChoiceEvent(int Index)
{
    public string Content { get; init; } = "";

    public string Reasoning { get; init; } = "";

    /// <summary>The token generated, or -1.</summary>
    public int TokenId { get; init; } = -1;

    public TokenLogprobs? Logprobs { get; init; }

    /// <summary>Tool calls found (on the last event).</summary>
    public IReadOnlyList<ParsedToolCall> ToolCalls { get; init; } = [];

    /// <summary>"stop", "length" or "tool_calls" on the last event of the choice; null before.</summary>
    public string? FinishReason { get; init; }

    public int PromptTokens { get; init; }

    public int CompletionTokens { get; init; }
}
