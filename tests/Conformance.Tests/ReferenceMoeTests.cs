using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Tests;

/// <summary>The mixture-of-experts ops of contract 1.2 against values worked out by hand.</summary>
public sealed class ReferenceMoeTests
{
    [Theory]
    [InlineData(false, 1f, new float[] { 3, 2, 0.4f, 0.3f })]
    [InlineData(false, 2f, new float[] { 3, 2, 0.8f, 0.6f })]
    [InlineData(true, 2f, new float[] { 3, 2, 8f / 7, 6f / 7 })]
    public void Softmax_routing_picks_the_largest_scores_and_weights_them(bool normalize, float scale, float[] expected)
    {
        // softmax(ln 1, ln 2, ln 3, ln 4) = [0.1, 0.2, 0.3, 0.4]: experts 3 and 2, weights 0.4 and 0.3.
        float[] route = Route(new MoeRouteParams(0, 4, 2, MoeScoring.Softmax, 1, 1, normalize, scale), [0, MathF.Log(2), MathF.Log(3), MathF.Log(4)], null);
        AssertClose(expected, route);
    }

    [Fact]
    public void The_bias_changes_the_choice_but_not_the_weights()
    {
        // sigmoid(2) = 0.88 is the best score, but expert 2's 0.5 + 0.5 = 1.0 wins the choice and keeps its weight 0.5.
        var p = new MoeRouteParams(0, 4, 1, MoeScoring.Sigmoid, 1, 1, false, 1f);
        AssertClose([0, 0.8807971f], Route(p, [2, 1, 0, -1], null));
        AssertClose([2, 0.5f], Route(p, [2, 1, 0, -1], [0, 0, 0.5f, 0]));
    }

    [Fact]
    public void Group_limiting_drops_the_best_expert_of_a_group_whose_top_two_lose()
    {
        // Two groups of 4: group 0 holds the single best expert, group 1 the better sum of the top two.
        var p = new MoeRouteParams(0, 8, 2, MoeScoring.Sigmoid, 2, 1, true, 1f);
        AssertClose([4, 5, 0.5f, 0.5f], Route(p, [5, -5, -5, -5, 3, 3, -5, -5], null));
    }

    [Fact]
    public void Groups_of_one_expert_are_scored_by_that_expert_and_ties_go_to_the_lower_id()
    {
        var oneEach = new MoeRouteParams(0, 4, 2, MoeScoring.Sigmoid, 4, 2, false, 1f);
        AssertClose([1, 2, 0.9525741f, 0.8807971f], Route(oneEach, [1, 3, 2, 0], null));

        var flat = new MoeRouteParams(0, 4, 2, MoeScoring.Softmax, 2, 1, false, 1f);
        AssertClose([0, 1, 0.25f, 0.25f], Route(flat, [1, 1, 1, 1], null));
    }

    [Fact]
    public void ExpertMatMul_runs_each_slot_through_its_expert_for_both_forms_of_x()
    {
        // Experts of 2 rows: 0 = identity, 1 = 2 x identity, 2 = [[1, 1], [1, -1]]. Routes: token 0 -> (2, 0), token 1 -> (1, 2).
        float[] weights = [1, 0, 0, 1, 2, 0, 0, 2, 1, 1, 1, -1];
        float[] routes = [2, 0, 0.5f, 0.5f, 1, 2, 0.5f, 0.5f];
        Assert.Equal([3f, -1, 1, 2, 6, 8, 7, -1], ExpertMatMul(weights, routes, [1, 2, 3, 4], 2));
        Assert.Equal([3f, -1, 5, 6, 6, 8, 15, -1], ExpertMatMul(weights, routes, [1, 2, 5, 6, 3, 4, 7, 8], 4));
    }

    [Fact]
    public void ExpertMatMul_leaves_the_rows_of_slots_routed_to_minus_one_as_they_were()
    {
        // Contract 1.3: expert 0 = identity; token 0 -> (-1, 0), token 1 -> (0, -1). The skipped rows keep their 9s.
        float[] weights = [1, 0, 0, 1, 2, 0, 0, 2, 1, 1, 1, -1];
        float[] routes = [-1, 0, 0.5f, 0.5f, 0, -1, 0.5f, 0.5f];
        Assert.Equal([9f, 9, 1, 2, 3, 4, 9, 9], ExpertMatMul(weights, routes, [1, 2, 3, 4], 2, prior: 9));
    }

    [Theory]
    [InlineData(3f)]
    [InlineData(-2f)]
    [InlineData(0.5f)]
    public void ExpertMatMul_refuses_a_route_that_names_no_expert(float id)
    {
        float[] weights = new float[12];
        Assert.Throws<ArgumentOutOfRangeException>(() => ExpertMatMul(weights, [0, id, 1, 1, 0, 1, 1, 1], [1, 2, 3, 4], 2));
    }

    [Fact]
    public void MoeCombine_is_the_weighted_sum_of_the_slots()
    {
        using var h = new OpHarness();
        GraphTensor y = h.Input("y", 4);
        GraphTensor routes = h.Input("routes", 4);
        GraphNode node = h.Node(h.Builder.MoeCombine(y, routes, 2));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((1, 0)));
        float[] yv = [1, 2, 10, 20];
        float[] rv = [7, 3, 0.5f, 0.25f];
        yv.CopyTo(ctx.GetF32(y));
        rv.CopyTo(ctx.GetF32(routes));

        ReferenceOps.Execute(node, ctx);

        Assert.Equal([3f, 6], ctx.GetF32(node.Output).ToArray());
    }

    private static float[] Route(MoeRouteParams p, float[] logits, float[]? bias)
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("logits", p.ExpertCount);
        GraphTensor? b = bias is null ? null : h.Builder.Weight(h.Weight("bias", DType.F32, [p.ExpertCount], bias));
        GraphNode node = h.Node(h.Builder.MoeRoute(x, b, p));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((1, 0)));
        logits.CopyTo(ctx.GetF32(x));
        ReferenceOps.Execute(node, ctx);
        return ctx.GetF32(node.Output).ToArray();
    }

    private static float[] ExpertMatMul(float[] weights, float[] routes, float[] x, int xColumns, float prior = 0)
    {
        using var h = new OpHarness();
        GraphTensor xt = h.Input("x", xColumns);
        GraphTensor rt = h.Input("routes", 4);
        GraphTensor w = h.Builder.Weight(h.Weight("experts", DType.F32, [6, 2], weights));
        GraphNode node = h.Node(h.Builder.ExpertMatMul(xt, rt, w, new ExpertMatMulParams(0, 3, 2)));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((2, 0)));
        x.CopyTo(ctx.GetF32(xt));
        routes.CopyTo(ctx.GetF32(rt));
        ctx.GetF32(node.Output).Fill(prior);
        ReferenceOps.Execute(node, ctx);
        return ctx.GetF32(node.Output).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }
}
