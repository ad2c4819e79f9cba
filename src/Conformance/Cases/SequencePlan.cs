namespace LlmFramework.Conformance.Cases;

/// <summary>One sequence of a case's step: <paramref name="Tokens"/> tokens from <paramref name="StartPosition"/> (earlier positions are already cached).</summary>
internal readonly record struct SequencePlan(int Tokens, int StartPosition = 0, bool WantLogits = true);
