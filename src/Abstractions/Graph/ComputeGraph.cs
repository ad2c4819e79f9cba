namespace LlmFramework.Abstractions.Graph;

/// <summary>
/// The graph of one engine step of a model, built once by a model family with symbolic row counts
/// (see <see cref="RowSpace"/>) and run for every step. Nodes are in a topological order.
/// </summary>
public sealed class ComputeGraph
{
    internal ComputeGraph(IReadOnlyList<GraphTensor> tensors, IReadOnlyList<GraphNode> nodes, GraphTensor tokenIds, GraphTensor positions, GraphTensor logits)
    {
        Tensors = tensors;
        Nodes = nodes;
        TokenIds = tokenIds;
        Positions = positions;
        Logits = logits;
    }

    /// <summary>All tensors; <see cref="GraphTensor.Id"/> indexes this list.</summary>
    public IReadOnlyList<GraphTensor> Tensors { get; }

    /// <summary>All nodes in execution order.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>The step's token ids (I32, [T, 1]).</summary>
    public GraphTensor TokenIds { get; }

    /// <summary>The step's positions (I32, [T, 1]).</summary>
    public GraphTensor Positions { get; }

    /// <summary>The graph's result: logits [O, vocab] F32.</summary>
    public GraphTensor Logits { get; }
}
