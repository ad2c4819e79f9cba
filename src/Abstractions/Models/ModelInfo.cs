namespace LlmFramework.Abstractions.Models;

/// <summary>Facts about a loaded model.</summary>
/// <param name="Family">Name of the family plugin that loaded it.</param>
/// <param name="Architecture">Architecture name (e.g. "llama").</param>
/// <param name="VocabSize">Rows of the output logits.</param>
/// <param name="ContextLength">Longest supported sequence.</param>
/// <param name="ParameterCount">Number of weights.</param>
/// <param name="Description">Human-readable summary (dims, layers, heads, dtype).</param>
public sealed record ModelInfo(string Family, string Architecture, int VocabSize, int ContextLength, long ParameterCount, string Description);
