namespace LlmFramework.Abstractions.Graph;

/// <summary>One op application in a <see cref="ComputeGraph"/>.</summary>
public sealed class GraphNode
{
    internal GraphNode(int index, OpKind op, GraphTensor[] inputs, GraphTensor output, OpParams? parameters)
    {
        Index = index;
        Op = op;
        Inputs = inputs;
        Output = output;
        Params = parameters;
    }

    /// <summary>Position of the node in <see cref="ComputeGraph.Nodes"/> (a topological order).</summary>
    public int Index { get; }

    /// <summary>The op.</summary>
    public OpKind Op { get; }

    /// <summary>Operands, in the order the op documents.</summary>
    public IReadOnlyList<GraphTensor> Inputs { get; }

    /// <summary>The result (an activation).</summary>
    public GraphTensor Output { get; }

    /// <summary>Op parameters, or null for ops that take none.</summary>
    public OpParams? Params { get; }

    /// <summary>The parameters as <typeparamref name="T"/>; throws when they are of another type.</summary>
    public T GetParams<T>()
        where T : OpParams
        => Params as T ?? throw new InvalidOperationException($"node {Index} ({Op}) has no {typeof(T).Name}");

    /// <inheritdoc />
    public override string ToString() => $"{Output} = {Op}({string.Join(", ", Inputs.Select(i => "%" + i.Id))})";
}
