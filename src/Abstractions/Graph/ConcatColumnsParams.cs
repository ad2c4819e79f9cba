namespace LlmFramework.Abstractions.Graph;

/// <summary>Parameters of <see cref="OpKind.ConcatColumns"/> (contract 1.2).</summary>
/// <param name="HeadCount">Heads H both inputs are split into (1 for a plain concatenation).</param>
public sealed record ConcatColumnsParams(int HeadCount) : OpParams;
