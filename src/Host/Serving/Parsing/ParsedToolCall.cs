namespace LlmFramework.Host.Serving.Parsing;

/// <summary>A function call found in model output.</summary>
/// <param name="Id">The call id given to the client ("call_..."), to quote in the tool message that answers it.</param>
/// <param name="Name">The function name.</param>
/// <param name="Arguments">The arguments as compact JSON text (an object).</param>
internal sealed record ParsedToolCall(string Id, string Name, string Arguments);
