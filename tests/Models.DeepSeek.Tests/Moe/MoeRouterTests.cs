using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Models.DeepSeek.Moe;

namespace LlmFramework.Models.DeepSeek.Tests.Moe;

public sealed class MoeRouterTests
{
    private static DeepSeekConfig Config(ExpertGating gating, int experts, int perToken, int groups, int groupsUsed, bool norm, float scale) => new()
    {
        Architecture = "test",
        HiddenSize = 8,
        IntermediateSize = 8,
        MoeIntermediateSize = 8,
        LayerCount = 2,
        DenseLayerCount = 1,
        HeadCount = 1,
        VocabSize = 10,
        MaxPositionEmbeddings = 16,
        RmsNormEpsilon = 1e-6f,
        RopeTheta = 10000,
        QLoraRank = 0,
        KvLoraRank = 4,
        QkNopeHeadDim = 4,
        QkRopeHeadDim = 2,
        VHeadDim = 4,
        RoutedExperts = experts,
        SharedExperts = 1,
        ExpertsPerToken = perToken,
        ExpertGroups = groups,
        ExpertGroupsUsed = groupsUsed,
        Gating = gating,
        NormalizeTopKWeights = norm,
        RoutedScalingFactor = scale,
    };

    /// <summary>An independent statement of the rules, with LINQ sorting, in double precision.</summary>
    private static (int[] Experts, double[] Weights) Reference(DeepSeekConfig c, float[] logits, float[] bias)
    {
        double[] exps = [.. logits.Select(v => Math.Exp(v - logits.Max()))];
        double[] s = c.Gating == ExpertGating.Softmax
            ? [.. exps.Select(v => v / exps.Sum())]
            : [.. logits.Select(v => 1 / (1 + Math.Exp(-(double)v)))];
        double[] b = s.Select((v, e) => v + (bias.Length > 0 ? bias[e] : 0)).ToArray();
        var allowed = Enumerable.Range(0, c.RoutedExperts).ToHashSet();
        if (c.ExpertGroups > 1)
        {
            int size = c.RoutedExperts / c.ExpertGroups;
            var kept = Enumerable.Range(0, c.ExpertGroups)
                .Select(g => (Group: g, Score: b.Skip(g * size).Take(size).OrderDescending().Take(2).Sum()))
                .OrderByDescending(x => x.Score).ThenBy(x => x.Group).Take(c.ExpertGroupsUsed).Select(x => x.Group).ToHashSet();
            allowed = allowed.Where(e => kept.Contains(e / size)).ToHashSet();
        }

        int[] chosen = [.. allowed.OrderByDescending(e => b[e]).ThenBy(e => e).Take(c.ExpertsPerToken)];
        double[] w = chosen.Select(e => s[e]).ToArray();
        double total = w.Sum();
        return (chosen, w.Select(v => (c.NormalizeTopKWeights ? v / total : v) * c.RoutedScalingFactor).ToArray());
    }

    public static TheoryData<ExpertGating, int, int, int, int, bool, float> Configs() => new()
    {
        { ExpertGating.Softmax, 16, 4, 1, 1, false, 1f },      // V2-Lite style
        { ExpertGating.Softmax, 16, 3, 4, 2, true, 1f },       // V2 group-limited greedy
        { ExpertGating.Sigmoid, 32, 6, 8, 4, true, 2.5f },     // V3 style
        { ExpertGating.Sigmoid, 64, 8, 1, 1, true, 2.5f },     // sigmoid without groups
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Routing_matches_the_reference_rules_on_random_tokens(ExpertGating gating, int experts, int perToken, int groups, int groupsUsed, bool norm, float scale)
    {
        DeepSeekConfig c = Config(gating, experts, perToken, groups, groupsUsed, norm, scale);
        var router = new MoeRouter(c);
        var random = new Random(experts * 31 + perToken);
        int[] chosen = new int[perToken];
        float[] weights = new float[perToken];
        for (int t = 0; t < 200; t++)
        {
            float[] logits = [.. Enumerable.Range(0, experts).Select(_ => (float)(random.NextDouble() * 6 - 3))];
            float[] bias = gating == ExpertGating.Sigmoid ? [.. Enumerable.Range(0, experts).Select(_ => (float)(random.NextDouble() * 0.4 - 0.2))] : [];
            router.Route(logits, bias, chosen, weights);
            (int[] expected, double[] expectedWeights) = Reference(c, logits, bias);
            Assert.Equal(expected, chosen);
            for (int j = 0; j < perToken; j++)
            {
                Assert.Equal(expectedWeights[j], weights[j], 1e-5);
            }
        }
    }

    [Fact]
    public void The_correction_bias_changes_the_choice_but_not_the_weights()
    {
        DeepSeekConfig c = Config(ExpertGating.Sigmoid, 4, 1, 1, 1, norm: false, scale: 1f);
        var router = new MoeRouter(c);
        float[] logits = [2f, 1f, 0f, -1f];
        int[] chosen = new int[1];
        float[] weight = new float[1];
        router.Route(logits, [0f, 0f, 0f, 0f], chosen, weight);
        Assert.Equal(0, chosen[0]);

        // A bias of +0.5 on expert 2 (sigmoid 0.5 + 0.5 = 1.0 > sigmoid(2) = 0.88) picks it, weighted by its own 0.5.
        router.Route(logits, [0f, 0f, 0.5f, 0f], chosen, weight);
        Assert.Equal(2, chosen[0]);
        Assert.Equal(0.5f, weight[0], 6);
    }

    [Fact]
    public void Group_limiting_excludes_the_best_expert_of_a_losing_group()
    {
        // Two groups of 4. Group 0 holds the single best expert; group 1 has the better top-2 sum.
        DeepSeekConfig c = Config(ExpertGating.Sigmoid, 8, 2, 2, 1, norm: true, scale: 1f);
        var router = new MoeRouter(c);
        float[] logits = [5f, -5f, -5f, -5f, 3f, 3f, -5f, -5f];
        int[] chosen = new int[2];
        float[] weights = new float[2];
        router.Route(logits, [], chosen, weights);
        Assert.Equal([4, 5], chosen);
        Assert.Equal(1f, weights.Sum(), 6); // normalised, scale 1
    }

    [Fact]
    public void Bad_buffers_are_refused()
    {
        var router = new MoeRouter(Config(ExpertGating.Softmax, 8, 2, 1, 1, false, 1f));
        Assert.Throws<ArgumentException>(() => router.Route(new float[7], [], new int[2], new float[2]));
        Assert.Throws<ArgumentException>(() => router.Route(new float[8], new float[3], new int[2], new float[2]));
    }

    [Fact]
    public void Expert_batches_hold_every_choice_once_grouped_by_expert_with_tokens_in_order()
    {
        var batches = new ExpertBatches(experts: 5, expertsPerToken: 2, maxTokens: 4);
        int[] experts = [3, 1, 1, 4, 3, 0, 1, 3];
        float[] weights = [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f];
        batches.Build(experts, weights, tokens: 4);
        Assert.Equal([1, 3, 0, 3, 1], Enumerable.Range(0, 5).Select(batches.CountOf).ToArray());
        Assert.Equal([0, 1, 3], batches.Tokens.AsSpan(batches.Offsets[1], 3).ToArray());   // expert 1: tokens 0, 1, 3
        Assert.Equal([0.2f, 0.3f, 0.7f], batches.Weights.AsSpan(batches.Offsets[1], 3).ToArray());
        Assert.Equal([0, 2, 3], batches.Tokens.AsSpan(batches.Offsets[3], 3).ToArray());   // expert 3: tokens 0, 2, 3
        Assert.Throws<ArgumentOutOfRangeException>(() => batches.Build([9, 0], [1f, 1f], tokens: 1));
        Assert.Throws<ArgumentException>(() => batches.Build(experts, weights, tokens: 5));
    }
}
