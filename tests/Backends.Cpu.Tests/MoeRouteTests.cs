using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Ops;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>The CPU backend's expert routing (<see cref="MoeRouteKernel"/>) against an independent statement of the rules.</summary>
public sealed class MoeRouteTests
{
    private static MoeRouteParams Params(MoeScoring scoring, int experts, int perToken, int groups, int groupsUsed, bool norm, float scale) =>
        new(0, experts, perToken, scoring, groups, groupsUsed, norm, scale);

    /// <summary>An independent statement of the rules, with LINQ sorting, in double precision.</summary>
    private static (int[] Experts, double[] Weights) Reference(MoeRouteParams p, float[] logits, float[] bias)
    {
        double[] exps = [.. logits.Select(v => Math.Exp(v - logits.Max()))];
        double[] s = p.Scoring == MoeScoring.Softmax
            ? [.. exps.Select(v => v / exps.Sum())]
            : [.. logits.Select(v => 1 / (1 + Math.Exp(-(double)v)))];
        double[] b = s.Select((v, e) => v + (bias.Length > 0 ? bias[e] : 0)).ToArray();
        var allowed = Enumerable.Range(0, p.ExpertCount).ToHashSet();
        if (p.GroupCount > 1)
        {
            int size = p.ExpertCount / p.GroupCount;
            var kept = Enumerable.Range(0, p.GroupCount)
                .Select(g => (Group: g, Score: b.Skip(g * size).Take(size).OrderDescending().Take(2).Sum()))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Group).Take(p.GroupsUsed).Select(x => x.Group).ToHashSet();
            allowed = allowed.Where(e => kept.Contains(e / size)).ToHashSet();
        }

        int[] chosen = [.. allowed.OrderByDescending(e => b[e]).ThenBy(e => e).Take(p.ExpertsPerToken)];
        double[] w = chosen.Select(e => s[e]).ToArray();
        double total = w.Sum();
        return (chosen, w.Select(v => (p.NormalizeWeights ? v / total : v) * p.WeightScale).ToArray());
    }

    public static TheoryData<MoeScoring, int, int, int, int, bool, float> Configs() => new()
    {
        { MoeScoring.Softmax, 16, 4, 1, 1, false, 1f },      // V2-Lite style
        { MoeScoring.Softmax, 16, 3, 4, 2, true, 1f },       // V2 group-limited greedy
        { MoeScoring.Sigmoid, 32, 6, 8, 4, true, 2.5f },     // V3 style
        { MoeScoring.Sigmoid, 64, 8, 1, 1, true, 2.5f },     // sigmoid without groups
        { MoeScoring.Sigmoid, 256, 8, 8, 4, true, 2.5f },    // V3's own shape (vector widths, tails of 256)
        { MoeScoring.Sigmoid, 8, 2, 8, 4, false, 1f },       // groups of one expert
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Routing_matches_the_reference_rules_on_random_tokens(MoeScoring scoring, int experts, int perToken, int groups, int groupsUsed, bool norm, float scale)
    {
        MoeRouteParams p = Params(scoring, experts, perToken, groups, groupsUsed, norm, scale);
        var router = new MoeRouteKernel();
        var random = new Random((experts * 31) + perToken);
        float[] route = new float[2 * perToken];
        for (int t = 0; t < 200; t++)
        {
            float[] logits = [.. Enumerable.Range(0, experts).Select(_ => (float)((random.NextDouble() * 6) - 3))];
            float[] bias = scoring == MoeScoring.Sigmoid ? [.. Enumerable.Range(0, experts).Select(_ => (float)((random.NextDouble() * 0.4) - 0.2))] : [];
            router.Route(p, logits, bias, route);
            (int[] expected, double[] expectedWeights) = Reference(p, logits, bias);
            Assert.Equal(expected.Select(e => (float)e), route[..perToken]);
            for (int j = 0; j < perToken; j++)
            {
                Assert.Equal(expectedWeights[j], route[perToken + j], 1e-5);
            }
        }
    }

    [Fact]
    public void The_correction_bias_changes_the_choice_but_not_the_weights()
    {
        MoeRouteParams p = Params(MoeScoring.Sigmoid, 4, 1, 1, 1, norm: false, scale: 1f);
        var router = new MoeRouteKernel();
        float[] logits = [2f, 1f, 0f, -1f];
        float[] route = new float[2];
        router.Route(p, logits, [0f, 0f, 0f, 0f], route);
        Assert.Equal(0f, route[0]);

        // A bias of +0.5 on expert 2 (sigmoid 0.5 + 0.5 = 1.0 > sigmoid(2) = 0.88) picks it, weighted by its own 0.5.
        router.Route(p, logits, [0f, 0f, 0.5f, 0f], route);
        Assert.Equal(2f, route[0]);
        Assert.Equal(0.5f, route[1], 6);
    }

    [Fact]
    public void Group_limiting_excludes_the_best_expert_of_a_losing_group()
    {
        // Two groups of 4. Group 0 holds the single best expert; group 1 has the better top-2 sum.
        MoeRouteParams p = Params(MoeScoring.Sigmoid, 8, 2, 2, 1, norm: true, scale: 1f);
        var router = new MoeRouteKernel();
        float[] logits = [5f, -5f, -5f, -5f, 3f, 3f, -5f, -5f];
        float[] route = new float[4];
        router.Route(p, logits, [], route);
        Assert.Equal([4f, 5f], route[..2]);
        Assert.Equal(1f, route[2..].Sum(), 6); // normalised, scale 1
    }

    [Fact]
    public void A_step_routes_every_token_into_its_own_row()
    {
        MoeRouteParams p = Params(MoeScoring.Softmax, 4, 2, 1, 1, norm: true, scale: 1f);
        float[] logits = [0, 1, 2, 3, 3, 2, 1, 0];
        float[] routes = new float[8];
        new MoeRouteKernel().Run(p, logits, [], routes, tokens: 2);
        Assert.Equal([3f, 2f], routes[..2]);
        Assert.Equal([0f, 1f], routes[4..6]);
    }

    [Fact]
    public void Bad_buffers_are_refused()
    {
        var router = new MoeRouteKernel();
        MoeRouteParams p = Params(MoeScoring.Softmax, 8, 2, 1, 1, false, 1f);
        Assert.Throws<ArgumentException>(() => router.Route(p, new float[7], [], new float[4]));
        Assert.Throws<ArgumentException>(() => router.Route(p, new float[8], new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => router.Route(p, new float[8], [], new float[3]));
    }
}
