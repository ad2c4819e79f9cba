using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>GetRows (only the requested rows, decoded exactly as the reference codecs do) and SelectOutputRows.</summary>
public sealed class RowOpsTests
{
    [Theory]
    [InlineData(DType.F32, 7)]
    [InlineData(DType.F16, 33)]
    [InlineData(DType.BF16, 65)]
    [InlineData(DType.Q8_0, 64)]
    [InlineData(DType.Q4_0, 32)]
    [InlineData(DType.Q4_K, 256)]
    [InlineData(DType.Q6_K, 512)]
    public void GetRows_returns_the_reference_decoding_of_each_requested_row(DType type, int columns)
    {
        const int vocab = 11;
        WeightTensor table = TestWeights.Create("embd", type, vocab, columns, Data.Gaussian(vocab * columns, seed: columns));
        float[] decoded = TestWeights.Decode(table);
        var builder = new GraphBuilder();
        GraphTensor rows = builder.GetRows(builder.Weight(table), builder.TokenIds);
        ComputeGraph graph = builder.Build(builder.SelectOutputRows(rows));
        int[] ids = [3, 0, 10, 3, 7];
        var batch = new StepBatch(8);
        batch.Add(0, ids, 0, [], wantLogits: true);
        var context = new TestExecutionContext(batch);
        using CpuBackend backend = Support.Backends.Create(1);
        backend.Execute([graph.Nodes[0]], context);

        float[] expected = ids.SelectMany(id => decoded.AsSpan(id * columns, columns).ToArray()).ToArray();
        Assert.Equal(expected, context.GetF32(rows).ToArray());
    }

    [Fact]
    public void GetRows_rejects_an_id_outside_the_table()
    {
        WeightTensor table = TestWeights.Create("embd", DType.F32, 4, 8, new float[32]);
        var builder = new GraphBuilder();
        GraphTensor rows = builder.GetRows(builder.Weight(table), builder.TokenIds);
        ComputeGraph graph = builder.Build(builder.SelectOutputRows(rows));
        var batch = new StepBatch(2);
        batch.Add(0, [4], 0, [], wantLogits: true);
        using CpuBackend backend = Support.Backends.Create(1);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => backend.Execute([graph.Nodes[0]], new TestExecutionContext(batch)));
        Assert.Contains("outside table 'embd'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelectOutputRows_copies_the_requested_tokens_in_output_order()
    {
        const int columns = 5;
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(columns);
        GraphTensor selected = graph.Builder.SelectOutputRows(x);
        ComputeGraph built = graph.Builder.Build(selected);
        var batch = new StepBatch(8);
        batch.Add(0, new int[3], 0, [], wantLogits: true);
        batch.Add(1, new int[1], 4, [], wantLogits: false);
        batch.Add(2, new int[2], 9, [], wantLogits: true);
        var context = new TestExecutionContext(batch);
        float[] xv = Enumerable.Range(0, 6 * columns).Select(i => (float)i).ToArray();
        context.Set(x, xv);
        using CpuBackend backend = Support.Backends.Create(1);
        backend.Execute([built.Nodes.Single(n => n.Op == OpKind.SelectOutputRows && n.Output == selected)], context);

        float[] expected = [.. xv.AsSpan(2 * columns, columns), .. xv.AsSpan(5 * columns, columns)];
        Assert.Equal(expected, context.GetF32(selected).ToArray());
    }
}
