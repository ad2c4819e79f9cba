using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// MoeRoute as Mixtral, DeepSeek-V2-Lite, V2 and V3 route, and around them: softmax and sigmoid scores, with and
/// without a correction bias (F32 and F16), group limits (groups of one, all groups kept), normalisation on and off,
/// weight scales, one expert per token and all experts chosen, over a decode token, a ragged batch, a 64-token
/// prefill and an empty step. The logits are redrawn until no near-tie can make the choice depend on rounding.
/// </summary>
internal static class MoeRouteCases
{
    /// <summary>Smallest deciding gap in b (or in group scores) allowed, relative to the token's largest |b|.</summary>
    public const double MinimumMargin = 1e-4;

    private static readonly (string Name, MoeRouteParams Params, DType? Bias)[] Configs =
    [
        ("mixtral-like", new(0, 8, 2, MoeScoring.Softmax, 1, 1, true, 1f), null),
        ("v2-lite", new(0, 64, 6, MoeScoring.Softmax, 1, 1, false, 1f), null),
        ("v2", new(0, 160, 6, MoeScoring.Softmax, 8, 3, false, 16f), null),
        ("v3", new(2, 256, 8, MoeScoring.Sigmoid, 8, 4, true, 2.5f), DType.F32),
        ("sigmoid-groups", new(0, 32, 6, MoeScoring.Sigmoid, 8, 4, true, 2.5f), DType.F32),
        ("sigmoid-no-groups", new(0, 64, 8, MoeScoring.Sigmoid, 1, 1, true, 2.5f), DType.F32),
        ("sigmoid-plain", new(0, 16, 2, MoeScoring.Sigmoid, 1, 1, false, 1f), null),
        ("softmax-bias-groups", new(0, 16, 4, MoeScoring.Softmax, 2, 1, true, 1.5f), DType.F32),
        ("all-chosen", new(0, 4, 4, MoeScoring.Softmax, 1, 1, true, 1f), null),
        ("groups-of-one", new(0, 8, 2, MoeScoring.Sigmoid, 8, 4, false, 1f), DType.F32),
        ("f16-bias", new(0, 32, 4, MoeScoring.Sigmoid, 4, 2, true, 1f), DType.F16),
        ("top-1", new(0, 16, 1, MoeScoring.Softmax, 1, 1, false, 1f), null),
        ("all-groups-kept", new(0, 16, 4, MoeScoring.Sigmoid, 4, 4, true, 1f), DType.F32),
    ];

    public static void Add(CaseList cases)
    {
        foreach ((string name, MoeRouteParams p, DType? bias) in Configs)
        {
            Route(cases, name, p, bias, "decode", [new SequencePlan(1, 9)]);
            Route(cases, name, p, bias, "ragged", Batches.Ragged());
        }

        Route(cases, "v3", Configs[3].Params, DType.F32, "prefill64", [new SequencePlan(64, 0)]);
        Route(cases, "v2", Configs[2].Params, null, "prefill64", [new SequencePlan(64, 0)]);
        Route(cases, "v3", Configs[3].Params, DType.F32, "empty", []);
    }

    /// <summary>
    /// Router logits for <paramref name="tokens"/> tokens: each token's row is redrawn until its choice has a
    /// <see cref="MinimumMargin"/>, so a backend's F32 scores pick the same experts in the same order as the reference.
    /// </summary>
    public static float[] Logits(CaseSetup s, MoeRouteParams p, float[]? bias, int tokens)
    {
        int e = p.ExpertCount;
        var logits = new float[tokens * e];
        var row = new float[e];
        for (int t = 0; t < tokens; t++)
        {
            for (int attempt = 0; ; attempt++)
            {
                for (int i = 0; i < e; i++)
                {
                    row[i] = p.Scoring == MoeScoring.Sigmoid ? s.Random.Uniform(-4, 4) : s.Random.Normal(1.5);
                }

                RouteChoice choice = ReferenceMoe.Choose(p, row, bias);
                if (choice.Margin >= MinimumMargin * choice.Scale)
                {
                    break;
                }

                if (attempt == 1000)
                {
                    throw new InvalidOperationException($"no logits with a clear choice for {p}");
                }
            }

            row.CopyTo(logits, t * e);
        }

        return logits;
    }

    /// <summary>A correction bias of <paramref name="type"/>, as values that type holds exactly; null for none.</summary>
    public static float[]? Bias(CaseSetup s, MoeRouteParams p, DType? type)
    {
        if (type is null)
        {
            return null;
        }

        // Sigmoid scores are spread over (0, 1); softmax scores average 1/E, so their bias is scaled to match.
        double range = p.Scoring == MoeScoring.Sigmoid ? 0.3 : 1.0 / p.ExpertCount;
        var values = new float[p.ExpertCount];
        for (int i = 0; i < values.Length; i++)
        {
            float v = s.Random.Uniform(-range, range);
            values[i] = type == DType.F16 ? (float)(Half)v : v;
        }

        return values;
    }

    private static void Route(CaseList cases, string name, MoeRouteParams p, DType? biasType, string step, SequencePlan[] plan)
    {
        string bias = biasType is { } t ? $"a {t} bias" : "no bias";
        string groups = p.GroupCount > 1 ? $"{p.GroupsUsed} of {p.GroupCount} groups" : "no groups";
        cases.Add($"MoeRoute/{name}/E{p.ExpertCount}xS{p.ExpertsPerToken}/{step}", OpKind.MoeRoute, biasType,
            $"{p.Scoring} routing to {p.ExpertsPerToken} of {p.ExpertCount} experts, {groups}, {bias}, {(p.NormalizeWeights ? "normalised" : "not normalised")}, scale {p.WeightScale}, step {step}", s =>
            {
                s.SetBatch(plan);
                float[]? biasValues = Bias(s, p, biasType);
                GraphTensor logits = s.Input("logits", p.ExpertCount, CaseSetup.Values(Logits(s, p, biasValues, s.Batch.TokenCount)));
                GraphTensor? b = biasValues is null ? null : s.Builder.Weight(s.Weight("exp_probs_b", biasType!.Value, 1, p.ExpertCount, CaseSetup.Values(biasValues), vector: true));
                s.Finish(s.Builder.MoeRoute(logits, b, p));
            });
    }
}
