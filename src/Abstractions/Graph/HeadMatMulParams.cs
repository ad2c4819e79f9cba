namespace LlmFramework.Abstractions.Graph;

/// <summary>Parameters of <see cref="OpKind.HeadMatMul"/> (contract 1.2).</summary>
/// <param name="HeadCount">Heads H: x has H*K columns, the weight H*N rows.</param>
public sealed record HeadMatMulParams(int HeadCount) : OpParams;
