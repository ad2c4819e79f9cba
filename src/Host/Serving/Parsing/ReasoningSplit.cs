namespace LlmFramework.Host.Serving.Parsing;

/// <summary>Text split by <see cref="ReasoningParser"/>: the reasoning part and the answer part.</summary>
internal readonly record struct ReasoningSplit(string Reasoning, string Content);
