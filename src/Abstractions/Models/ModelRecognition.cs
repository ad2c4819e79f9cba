namespace LlmFramework.Abstractions.Models;

/// <summary>A model family's answer to "is this checkpoint yours?".</summary>
/// <param name="IsMatch">True when the family can load the checkpoint.</param>
/// <param name="Architecture">The architecture name found (e.g. "llama", "LlamaForCausalLM"), when known.</param>
/// <param name="Reason">Why not, when <paramref name="IsMatch"/> is false.</param>
public readonly record struct ModelRecognition(bool IsMatch, string? Architecture, string? Reason)
{
    /// <summary>A match.</summary>
    public static ModelRecognition Match(string architecture) => new(true, architecture, null);

    /// <summary>Not a match, because <paramref name="reason"/>.</summary>
    public static ModelRecognition NoMatch(string? architecture, string reason) => new(false, architecture, reason);
}
