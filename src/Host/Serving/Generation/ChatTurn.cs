using LlmFramework.Host.Serving.Dtos;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>One checked message of a chat request.</summary>
/// <param name="Role">"system", "user", "assistant" or "tool" ("developer" is read as "system").</param>
/// <param name="Content">The text (empty for an assistant message that only calls tools).</param>
/// <param name="ToolCalls">An assistant message's tool calls.</param>
/// <param name="ToolCallId">A tool message's answer to this call.</param>
/// <param name="Name">The tool's name (tool messages) or the participant's name.</param>
internal sealed record ChatTurn(string Role, string Content, IReadOnlyList<ToolCallDto> ToolCalls, string? ToolCallId, string? Name);
