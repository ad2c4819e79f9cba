using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Backends.Cpu.Tests.Support;

/// <summary>Builds a tiny graph around the op under test: activations come from GetRows of a dummy table, so tests set their values directly.</summary>
internal sealed class OpGraph
{
    private ComputeGraph? _graph;

    public GraphBuilder Builder { get; } = new();

    /// <summary>A [tokens, columns] activation (the output of a GetRows the tests never run).</summary>
    public GraphTensor Activation(int columns, string name = "x") =>
        Builder.GetRows(Builder.Weight(TestWeights.Create($"table.{name}.{columns}", DType.F32, 1, columns, new float[columns])), Builder.TokenIds, name);

    /// <summary>The node producing <paramref name="output"/> (finishes the graph on first use).</summary>
    public GraphNode NodeOf(GraphTensor output)
    {
        _graph ??= Builder.Build(Builder.SelectOutputRows(output.RowSpace == RowSpace.Tokens ? output : Activation(1, "dummy")));
        return _graph.Nodes.Single(n => ReferenceEquals(n.Output, output));
    }
}
