namespace LlmFramework.Abstractions.Graph;

/// <summary>Parameters of <see cref="OpKind.SliceColumns"/> (contract 1.2).</summary>
/// <param name="HeadCount">Heads H the input row is split into (1 for a plain column slice).</param>
/// <param name="Offset">First column taken from each head.</param>
/// <param name="Width">Columns taken from each head.</param>
public sealed record ColumnSliceParams(int HeadCount, int Offset, int Width) : OpParams;
