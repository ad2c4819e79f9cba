namespace LlmFramework.Host.Serving.Generation;

/// <summary>A chat rendered through the model's template.</summary>
/// <param name="Text">The prompt text.</param>
/// <param name="Tokens">Its token ids.</param>
/// <param name="StartsInReasoning">The template opened a &lt;think&gt; block the reply continues.</param>
/// <param name="Stops">Stop strings the template needs.</param>
internal sealed record ChatPrompt(string Text, int[] Tokens, bool StartsInReasoning, IReadOnlyList<string> Stops);
