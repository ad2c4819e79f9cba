using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Tests;

public sealed unsafe class GraphBuilderTests
{
    private static readonly byte[] Storage = GC.AllocateArray<byte>(1 << 16, pinned: true);

    private static WeightTensor W(string name, params long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        fixed (byte* p = Storage)
        {
            return new WeightTensor(name, DType.F32, shape, p, count * 4);
        }
    }

    [Fact]
    public void A_small_graph_has_symbolic_rows_and_the_right_shapes()
    {
        var g = new GraphBuilder();
        GraphTensor x = g.GetRows(g.Weight(W("embd", 10, 8)), g.TokenIds);
        GraphTensor h = g.RmsNorm(x, g.Weight(W("norm", 8)), 1e-5f);
        GraphTensor q = g.MatMul(h, g.Weight(W("q", 8, 8)));
        q = g.Rope(q, new RopeParams(2, 4, 4, RopeStyle.NeoX, [1f, 0.1f]));
        GraphTensor a = g.Attention(q, q, q, new AttentionParams(0, 2, 2, 4, 4, 0.5f));
        ComputeGraph graph = g.Build(g.MatMul(g.SelectOutputRows(a), g.Weight(W("out", 10, 8))));
        Assert.Equal(RowSpace.Tokens, a.RowSpace);
        Assert.Equal(RowSpace.Outputs, graph.Logits.RowSpace);
        Assert.Equal(10, graph.Logits.Columns);
        Assert.Equal(7, graph.Nodes.Count);
        Assert.All(graph.Nodes, n => Assert.Same(n, graph.Nodes[n.Index]));
    }

    [Fact]
    public void Shape_errors_name_the_op()
    {
        var g = new GraphBuilder();
        GraphTensor x = g.GetRows(g.Weight(W("embd", 10, 8)), g.TokenIds);
        Assert.Contains("MatMul", Assert.Throws<GraphBuildException>(() => g.MatMul(x, g.Weight(W("bad", 4, 6)))).Message, StringComparison.Ordinal);
        Assert.Contains("Attention", Assert.Throws<GraphBuildException>(() => g.Attention(x, x, x, new AttentionParams(0, 3, 2, 4, 4, 1))).Message, StringComparison.Ordinal);
        Assert.Contains("Rope", Assert.Throws<GraphBuildException>(() => g.Rope(x, new RopeParams(2, 4, 3, RopeStyle.NeoX, [1f]))).Message, StringComparison.Ordinal);
        Assert.Contains("Build", Assert.Throws<GraphBuildException>(() => g.Build(x)).Message, StringComparison.Ordinal);
        Assert.Contains("another graph", Assert.Throws<GraphBuildException>(() => new GraphBuilder().Silu(x)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_batch_concatenates_ragged_sequences()
    {
        var batch = new StepBatch(16);
        batch.Add(7, [1, 2, 3], 0, [0], wantLogits: true);
        batch.Add(9, [4], 12, [1, 2], wantLogits: true);
        batch.Add(11, [5, 6], 30, [3, 4], wantLogits: false);
        Assert.Equal(6, batch.TokenCount);
        Assert.Equal([0, 1, 2, 12, 30, 31], batch.Positions[..6]);
        Assert.Equal([0, 0, 0, 1, 2, 2], batch.SequenceOfToken[..6]);
        Assert.Equal([2, 3], batch.OutputTokenIndices[..batch.OutputCount]);
        Assert.Equal(13, batch.Sequences[1].EndPosition);
        Assert.Throws<InvalidOperationException>(() => batch.Add(1, new int[11], 0, [], true));
        batch.Clear();
        Assert.Equal(0, batch.TokenCount);
    }
}
