using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance.Tests;

public sealed class ConformanceExecutionContextTests
{
    [Fact]
    public void Rows_follow_the_row_space_and_activations_are_sized_and_kept()
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 3);
        GraphTensor outputs = h.Builder.SelectOutputRows(x);
        StepBatch batch = OpHarness.Batch((4, 0), (1, 9)); // 5 tokens, 2 outputs
        ConformanceExecutionContext ctx = OpHarness.Context(batch);

        Assert.Equal(5, ctx.Rows(x));
        Assert.Equal(2, ctx.Rows(outputs));
        Assert.Equal(15, ctx.GetF32(x).Length);
        ctx.GetF32(x)[14] = 2;
        Assert.Equal(2, ctx.GetF32(x)[14]);
        Assert.Equal(6, ctx.GetF32(outputs).Length);
    }

    [Fact]
    public void Step_inputs_are_the_batch_arrays_cut_to_the_token_count()
    {
        var batch = new StepBatch(8);
        batch.Add(3, [11, 12], 5, [0, 1], wantLogits: true);
        ConformanceExecutionContext ctx = OpHarness.Context(batch);
        var builder = new GraphBuilder();

        Assert.Equal([11, 12], ctx.GetI32(builder.TokenIds).ToArray());
        Assert.Equal([5, 6], ctx.GetI32(builder.Positions).ToArray());
    }

    [Fact]
    public void Weights_and_step_inputs_are_not_f32_activations()
    {
        using var h = new OpHarness();
        GraphTensor w = h.Builder.Weight(h.Weight("w", Abstractions.Tensors.DType.F32, [2, 2], new float[4]));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((1, 0)));

        Assert.Throws<InvalidOperationException>(() => ctx.GetF32(w));
        Assert.Throws<InvalidOperationException>(() => ctx.GetF32(h.Builder.TokenIds));
        Assert.Throws<InvalidOperationException>(() => ctx.GetI32(w));
    }
}
