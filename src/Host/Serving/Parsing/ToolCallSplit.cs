namespace LlmFramework.Host.Serving.Parsing;

/// <summary>What <see cref="ToolCallParser"/> lets through: answer text and the tool calls completed so far.</summary>
internal readonly record struct ToolCallSplit(string Content, IReadOnlyList<ParsedToolCall> ToolCalls);
