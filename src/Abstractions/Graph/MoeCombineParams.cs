namespace LlmFramework.Abstractions.Graph;

/// <summary>Parameters of <see cref="OpKind.MoeCombine"/> (contract 1.2).</summary>
/// <param name="ExpertsPerToken">Slots S per token.</param>
public sealed record MoeCombineParams(int ExpertsPerToken) : OpParams;
