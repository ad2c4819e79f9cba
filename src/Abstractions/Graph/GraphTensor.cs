using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Graph;

/// <summary>
/// A value in a <see cref="ComputeGraph"/>: always 2-D, <c>[rows, columns]</c>, row-major. Activations are F32;
/// step inputs are I32; weights have their checkpoint dtype.
/// </summary>
public sealed class GraphTensor
{
    internal GraphTensor(int id, string name, TensorRole role, DType type, RowSpace rowSpace, long fixedRows, long columns, WeightTensor? weight)
    {
        Id = id;
        Name = name;
        Role = role;
        Type = type;
        RowSpace = rowSpace;
        FixedRows = fixedRows;
        Columns = columns;
        Weight = weight;
    }

    /// <summary>Index of the tensor in <see cref="ComputeGraph.Tensors"/>.</summary>
    public int Id { get; }

    /// <summary>A readable name (weights keep their checkpoint name).</summary>
    public string Name { get; }

    /// <summary>What the tensor holds.</summary>
    public TensorRole Role { get; }

    /// <summary>Element type.</summary>
    public DType Type { get; }

    /// <summary>How the row count is resolved at run time.</summary>
    public RowSpace RowSpace { get; }

    /// <summary>The row count when <see cref="RowSpace"/> is <see cref="RowSpace.Fixed"/>.</summary>
    public long FixedRows { get; }

    /// <summary>Row length.</summary>
    public long Columns { get; }

    /// <summary>The bound weight when <see cref="Role"/> is <see cref="TensorRole.Weight"/>.</summary>
    public WeightTensor? Weight { get; }

    /// <inheritdoc />
    public override string ToString() => $"%{Id} {Name} {Type} [{RowSpace}{(RowSpace == RowSpace.Fixed ? ":" + FixedRows : "")}, {Columns}]";
}
