using LlmFramework.Engine.Generation;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>One choice of a request: its engine request and how its output is parsed.</summary>
/// <param name="Index">The choice's index in the answer.</param>
/// <param name="Request">What the engine generates.</param>
/// <param name="ParseReasoning">Split &lt;think&gt; blocks off as reasoning (chat routes).</param>
/// <param name="StartsInReasoning">The prompt opened a &lt;think&gt; block.</param>
/// <param name="ParseTools">Look for tool calls (the request offered tools).</param>
/// <param name="TrimLeadingSpace">Drop the white space a chat reply starts with (the model's first token after "Assistant:").</param>
internal sealed record ChoicePlan(int Index, GenerationRequest Request, bool ParseReasoning = false, bool StartsInReasoning = false, bool ParseTools = false, bool TrimLeadingSpace = false);
