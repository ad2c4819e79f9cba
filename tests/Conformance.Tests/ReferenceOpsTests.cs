using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Tests;

/// <summary>The reference against values worked out by hand (to 7 digits).</summary>
public sealed class ReferenceOpsTests
{
    private const int Digits = 5;

    [Fact]
    public void RmsNorm_divides_by_root_mean_square_and_multiplies_by_the_weight()
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 4);
        WeightTensor w = h.Weight("norm", DType.F32, [4], [1, 1, 2, 0.5f]);
        GraphNode node = h.Node(h.Builder.RmsNorm(x, h.Builder.Weight(w), 0f));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((2, 0)));
        float[] input = [1, 2, 3, 4, 0, 0, 0, 0];
        input.CopyTo(ctx.GetF32(x));

        ReferenceOps.Execute(node, ctx);

        // mean square 30/4 = 7.5, 1/sqrt(7.5) = 0.3651484. With eps 0 an all-zero row is 0/0: NaN, as the formula says.
        float[] y = ctx.GetF32(node.Output).ToArray();
        AssertClose([0.3651484f, 0.7302967f, 2.1908902f, 0.7302967f], y[..4]);
        Assert.All(y[4..], v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void RmsNorm_adds_epsilon_inside_the_root()
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 2);
        GraphNode node = h.Node(h.Builder.RmsNorm(x, h.Builder.Weight(h.Weight("norm", DType.F32, [2], [1, 1])), 1f));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((2, 0)));
        float[] input = [3, 4, 0, 0];
        input.CopyTo(ctx.GetF32(x));

        ReferenceOps.Execute(node, ctx);

        // mean square (9 + 16) / 2 = 12.5, + 1 = 13.5, 1/sqrt(13.5) = 0.2721655
        AssertClose([0.8164966f, 1.0886621f, 0, 0], ctx.GetF32(node.Output).ToArray());
    }

    [Fact]
    public void Softmax_is_normalised_and_subtracts_the_row_max()
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 3);
        GraphNode node = h.Node(h.Builder.Softmax(x));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((2, 0)));
        float[] input = [1, 2, 3, 1000, 1000, -1000];
        input.CopyTo(ctx.GetF32(x));

        ReferenceOps.Execute(node, ctx);

        AssertClose([0.09003057f, 0.24472847f, 0.66524096f, 0.5f, 0.5f, 0], ctx.GetF32(node.Output).ToArray());
    }

    [Theory]
    [InlineData(RopeStyle.Interleaved, new float[] { -2.2347417f, 0.0770038f, -1.7449770f, 4.6856221f })]
    [InlineData(RopeStyle.NeoX, new float[] { -3.1440391f, -2.2852793f, -0.3391431f, 3.8441512f })]
    public void Rope_rotates_pairs_by_position_times_inverse_frequency(RopeStyle style, float[] expected)
    {
        // One head [1, 2, 3, 4] at position 2 with inverse frequencies [1, 0.5]: angles 2 and 1.
        // Interleaved pairs (1,2) by 2 rad and (3,4) by 1 rad; NeoX pairs (1,3) by 2 rad and (2,4) by 1 rad.
        float[] y = RunRope(style, 4, 4, [1f, 0.5f], 1f, position: 2, [1, 2, 3, 4]);
        AssertClose(expected, y);
    }

    [Fact]
    public void Rope_passes_dimensions_beyond_the_rotary_dim_through_and_scales_by_the_attention_factor()
    {
        // Rotary dim 2 of 4, NeoX: only (x0, x1) rotate, by 3 * 0.5 = 1.5 rad, scaled by 2; x2, x3 pass through.
        float[] y = RunRope(RopeStyle.NeoX, 4, 2, [0.5f], 2f, position: 3, [1, 2, 3, 4]);
        double c = Math.Cos(1.5) * 2, s = Math.Sin(1.5) * 2;
        AssertClose([(float)(c - (2 * s)), (float)(s + (2 * c)), 3, 4], y);
    }

    [Fact]
    public void Rope_at_position_zero_is_the_identity()
    {
        float[] y = RunRope(RopeStyle.Interleaved, 4, 4, [1f, 0.5f], 1f, position: 0, [1, -2, 3, 4]);
        Assert.Equal([1, -2, 3, 4], y);
    }

    [Fact]
    public void Attention_with_two_query_heads_sharing_one_kv_head_matches_the_hand_computation()
    {
        // Hq = 2, Hkv = 1, Dk = Dv = 2, scale 1; one sequence, tokens at positions 0 and 1.
        // Token 0 sees only itself: both heads output v0 = [1, 2].
        // Token 1, head 0 (q = [1, 0]): scores k0.q = 1, k1.q = 0 -> weights e/(e+1) = 0.7310586, 0.2689414
        //   -> 0.7310586 * [1, 2] + 0.2689414 * [3, 4] = [1.5378828, 2.5378828].
        // Token 1, head 1 (q = [0, 1]): scores 0, 1 -> weights 0.2689414, 0.7310586 -> [2.4621172, 3.4621172].
        (float[] y, HostKvCache cache, int[] blockTable) = RunAttention(OpHarness.Batch((2, 0)), [1, 0, 0, 1, 1, 0, 0, 1], [1, 0, 0, 1], [1, 2, 3, 4]);

        AssertClose([1, 2, 1, 2, 1.5378828f, 2.5378828f, 2.4621172f, 3.4621172f], y);
        Assert.Equal([1f, 0f], cache.GetPosition(0, 0, blockTable, 0).ToArray());
        Assert.Equal([0f, 1f], cache.GetPosition(0, 0, blockTable, 1).ToArray());
        Assert.Equal([3f, 4f], cache.GetPosition(0, 1, blockTable, 1).ToArray());
    }

    [Fact]
    public void Attention_decode_token_reads_earlier_positions_from_the_cache()
    {
        // Same numbers, but token 0's k and v are already cached and only token 1 is in the step.
        var batch = OpHarness.Batch((1, 1));
        (float[] y, _, _) = RunAttention(batch, [1, 0, 0, 1], [0, 1], [3, 4], cache =>
        {
            float[] k0 = [1, 0];
            float[] v0 = [1, 2];
            k0.CopyTo(cache.GetPosition(0, 0, batch.Sequences[0].BlockTable, 0));
            v0.CopyTo(cache.GetPosition(0, 1, batch.Sequences[0].BlockTable, 0));
        });

        AssertClose([1.5378828f, 2.5378828f, 2.4621172f, 3.4621172f], y);
    }

    [Fact]
    public void GetRows_copies_table_rows_and_dequantises()
    {
        using var h = new OpHarness();
        WeightTensor f32 = h.Weight("f32", DType.F32, [3, 2], [1, 2, 3, 4, 5, 6]);
        float[] q8 = new float[64];
        for (int i = 0; i < 64; i++)
        {
            q8[i] = i % 32 == 0 ? 127 : (i % 32) - 16; // scale 127/127 = 1: integers survive Q8_0 exactly
        }

        WeightTensor q8Table = h.Weight("q8", DType.Q8_0, [2, 32], q8);
        GraphNode f32Node = h.Node(h.Builder.GetRows(h.Builder.Weight(f32), h.Builder.TokenIds));
        var batch = new StepBatch(3);
        batch.Add(0, [2, 0, 2], 0, [0], wantLogits: true);
        ConformanceExecutionContext ctx = OpHarness.Context(batch);

        ReferenceOps.Execute(f32Node, ctx);

        Assert.Equal([5f, 6, 1, 2, 5, 6], ctx.GetF32(f32Node.Output).ToArray());

        using var h2 = new OpHarness();
        GraphNode q8Node = h2.Node(h2.Builder.GetRows(h2.Builder.Weight(q8Table), h2.Builder.TokenIds));
        var batch2 = new StepBatch(1);
        batch2.Add(0, [1], 0, [0], wantLogits: true);
        ConformanceExecutionContext ctx2 = OpHarness.Context(batch2);
        ReferenceOps.Execute(q8Node, ctx2);
        Assert.Equal(q8[32..], ctx2.GetF32(q8Node.Output).ToArray());
    }

    [Fact]
    public void GetRows_rejects_an_id_outside_the_table()
    {
        using var h = new OpHarness();
        GraphNode node = h.Node(h.Builder.GetRows(h.Builder.Weight(h.Weight("t", DType.F32, [3, 2], new float[6])), h.Builder.TokenIds));
        var batch = new StepBatch(1);
        batch.Add(0, [3], 0, [0], wantLogits: true);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReferenceOps.Execute(node, OpHarness.Context(batch)));
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void MatMul_2x3_times_transposed_weight(DType type)
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 3);
        WeightTensor w = h.Weight("w", type, [2, 3], [1, 0, -1, 0.5f, 0.5f, 0.5f]);
        GraphNode node = h.Node(h.Builder.MatMul(x, h.Builder.Weight(w)));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((2, 0)));
        float[] input = [1, 2, 3, 4, 5, 6];
        input.CopyTo(ctx.GetF32(x));

        ReferenceOps.Execute(node, ctx);

        // [1,2,3].[1,0,-1] = -2, [1,2,3].[.5,.5,.5] = 3, [4,5,6].[1,0,-1] = -2, [4,5,6].[.5,.5,.5] = 7.5
        Assert.Equal([-2f, 3, -2, 7.5f], ctx.GetF32(node.Output).ToArray());
    }

    [Fact]
    public void Elementwise_ops_match_their_definitions()
    {
        using var h = new OpHarness();
        GraphTensor a = h.Input("a", 3);
        GraphTensor b = h.Input("b", 3);
        GraphTensor[] outputs = [h.Builder.Add(a, b), h.Builder.Mul(a, b), h.Builder.Silu(a), h.Builder.SwiGlu(a, b), h.Builder.Scale(a, -0.5f)];
        ComputeGraph graph = h.Builder.Build(h.Builder.SelectOutputRows(outputs[^1]));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((1, 0)));
        float[] av = [1, -2, 0];
        float[] bv = [3, 4, 5];
        av.CopyTo(ctx.GetF32(a));
        bv.CopyTo(ctx.GetF32(b));
        foreach (GraphNode node in graph.Nodes.Where(n => outputs.Contains(n.Output)))
        {
            ReferenceOps.Execute(node, ctx);
        }

        Assert.Equal([4f, 2, 5], ctx.GetF32(outputs[0]).ToArray());
        Assert.Equal([3f, -8, 0], ctx.GetF32(outputs[1]).ToArray());
        AssertClose([0.7310586f, -0.2384058f, 0], ctx.GetF32(outputs[2]).ToArray()); // x * sigmoid(x)
        AssertClose([2.1931758f, -0.9536232f, 0], ctx.GetF32(outputs[3]).ToArray());
        Assert.Equal([-0.5f, 1, -0f], ctx.GetF32(outputs[4]).ToArray());
    }

    [Fact]
    public void SelectOutputRows_picks_the_wanted_tokens_in_order()
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 2);
        GraphNode node = h.Node(h.Builder.SelectOutputRows(x));
        StepBatch batch = OpHarness.Batch((2, 0), (1, 7)); // wants tokens 1 and 2
        ConformanceExecutionContext ctx = OpHarness.Context(batch);
        float[] input = [1, 2, 3, 4, 5, 6];
        input.CopyTo(ctx.GetF32(x));

        ReferenceOps.Execute(node, ctx);

        Assert.Equal([3f, 4, 5, 6], ctx.GetF32(node.Output).ToArray());
    }

    private static float[] RunRope(RopeStyle style, int headDim, int rotary, float[] inverse, float factor, int position, float[] values)
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", headDim);
        GraphNode node = h.Node(h.Builder.Rope(x, new RopeParams(1, headDim, rotary, style, inverse, factor)));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((1, position)));
        values.CopyTo(ctx.GetF32(x));
        ReferenceOps.Execute(node, ctx);
        return ctx.GetF32(node.Output).ToArray();
    }

    private static (float[] Output, HostKvCache Cache, int[] BlockTable) RunAttention(StepBatch batch, float[] q, float[] k, float[] v, Action<HostKvCache>? prefill = null)
    {
        using var h = new OpHarness();
        GraphTensor qt = h.Input("q", 4);
        GraphTensor kt = h.Input("k", 2);
        GraphTensor vt = h.Input("v", 2);
        GraphNode node = h.Node(h.Builder.Attention(qt, kt, vt, new AttentionParams(0, 2, 1, 2, 2, 1f)));
        var cache = new HostKvCache(new KvCacheLayout(1, [2, 2], 64), 4, 4);
        prefill?.Invoke(cache);
        ConformanceExecutionContext ctx = OpHarness.Context(batch, cache);
        q.CopyTo(ctx.GetF32(qt));
        k.CopyTo(ctx.GetF32(kt));
        v.CopyTo(ctx.GetF32(vt));
        ReferenceOps.Execute(node, ctx);
        return (ctx.GetF32(node.Output).ToArray(), cache, batch.Sequences[0].BlockTable);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], Digits);
        }
    }
}
