using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// ExpertMatMul with stacked expert weights in float and quantised dtypes: 4..64 experts, 1..6 slots, x with one row
/// per token ([T, K]) and one per slot ([T, S*K]), a decode token, a ragged batch, a 40-token prefill (experts with
/// 10-20 rows: the float and Q8_0 tiles), an empty step, experts that receive no tokens (the first and last never
/// do), and route ids that name no expert (must throw). Contract 1.3: slots routed to -1 (computed on another device)
/// must keep the values the output held before (some, or all, of a step's slots; x per token and per slot). MoeCombine: 1..8 slots, widths 7..2048, positive weights.
/// </summary>
internal static class ExpertCases
{
    private static readonly (int E, int S, int N, int K)[] FloatShapes = [(4, 1, 8, 32), (8, 2, 16, 33), (16, 4, 24, 96), (64, 6, 8, 128)];

    private static readonly (int E, int S, int N, int Blocks)[] QuantShapes = [(4, 1, 8, 1), (8, 2, 16, 2), (16, 4, 24, 3), (64, 6, 8, 1)];

    private static readonly (string Name, SequencePlan[] Plan)[] Steps =
        [("decode", [new SequencePlan(1, 5)]), ("ragged", Batches.Ragged())];

    private static readonly (string Step, int S, int D)[] Combines =
        [("decode", 1, 8), ("ragged", 2, 64), ("ragged", 6, 100), ("decode", 8, 2048), ("ragged", 8, 33), ("empty", 2, 16), ("prefill40", 4, 7)];

    public static void Add(CaseList cases)
    {
        foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_K })
        {
            int block = DTypeInfo.BlockSize(type);
            (int E, int S, int N, int K)[] shapes = block == 1 ? FloatShapes : [.. QuantShapes.Select(q => (q.E, q.S, q.N, q.Blocks * block))];
            foreach ((int e, int s, int n, int k) in shapes)
            {
                foreach ((string step, SequencePlan[] plan) in Steps)
                {
                    ExpertMatMul(cases, type, e, s, n, k, perSlot: false, step, plan);
                }
            }

            (int e2, int s2, int n2, int k2) = shapes[2];
            ExpertMatMul(cases, type, e2, s2, n2, k2, perSlot: true, "decode", Steps[0].Plan);
            ExpertMatMul(cases, type, e2, s2, n2, k2, perSlot: true, "ragged", Batches.Ragged());
            ExpertMatMul(cases, type, shapes[0].E, 1, shapes[0].N, shapes[0].K, perSlot: false, "prefill40", [new SequencePlan(40, 0)]);
            ExpertMatMul(cases, type, shapes[1].E, 2, shapes[1].N, shapes[1].K, perSlot: true, "prefill40", [new SequencePlan(40, 0)]);
        }

        ExpertMatMul(cases, DType.F32, 8, 2, 16, 32, perSlot: false, "empty", []);
        foreach (DType type in new[] { DType.F32, DType.F16, DType.Q8_0, DType.Q4_K })
        {
            int k = DTypeInfo.BlockSize(type) == 1 ? 96 : 2 * DTypeInfo.BlockSize(type);
            foreach (string step in new[] { "decode", "ragged", "prefill40" })
            {
                SkippedSlots(cases, type, 16, 4, 24, k, perSlot: false, step, 0.5);
            }

            SkippedSlots(cases, type, 16, 4, 24, k, perSlot: true, "ragged", 0.5);
        }

        SkippedSlots(cases, DType.F32, 8, 2, 16, 32, perSlot: false, "ragged", 1);
        BadRoute(cases, 8f, "id8of8");
        BadRoute(cases, -2f, "id-2");
        BadRoute(cases, -0.5f, "id-0.5");
        BadRoute(cases, 2.5f, "id2.5");

        foreach ((string step, int s, int d) in Combines)
        {
            cases.Add($"MoeCombine/S{s}xD{d}/{step}", OpKind.MoeCombine, null, $"the weighted sum of {s} slots of {d} values per token, step {step}", c =>
            {
                c.SetBatch(Plan(step));
                GraphTensor routes = c.Input("routes", 2 * s, CaseSetup.Values(Routes(c, 8, s, c.Batch.TokenCount)));
                c.Finish(c.Builder.MoeCombine(c.Input("y", s * d, c.Normal()), routes, s));
            });
        }
    }

    /// <summary>
    /// Route rows [T, 2S] as MoeRoute writes them: S distinct expert ids per token, drawn from 1..E-2 when that leaves
    /// enough (so experts 0 and E-1 receive no tokens), then S positive weights.
    /// </summary>
    public static float[] Routes(CaseSetup s, int experts, int perToken, int tokens)
    {
        int low = experts - 2 >= perToken ? 1 : 0;
        int[] pool = Enumerable.Range(low, experts - (2 * low)).ToArray();
        var routes = new float[tokens * 2 * perToken];
        for (int t = 0; t < tokens; t++)
        {
            s.Random.Shuffle(pool);
            for (int j = 0; j < perToken; j++)
            {
                routes[(t * 2 * perToken) + j] = pool[j];
                routes[(t * 2 * perToken) + perToken + j] = s.Random.Uniform(0.05, 1);
            }
        }

        return routes;
    }

    private static SequencePlan[] Plan(string step) => step switch
    {
        "decode" => [new SequencePlan(1, 5)],
        "ragged" => Batches.Ragged(),
        "prefill40" => [new SequencePlan(40, 0)],
        _ => [],
    };

    private static void ExpertMatMul(CaseList cases, DType type, int experts, int perToken, int n, int k, bool perSlot, string step, SequencePlan[] plan)
    {
        string form = perSlot ? "x-per-slot" : "x-per-token";
        cases.Add($"ExpertMatMul/{DTypeInfo.Name(type)}/E{experts}xS{perToken}xN{n}xK{k}/{form}/{step}", OpKind.ExpertMatMul, type,
            $"x [T, {(perSlot ? perToken + "x" : "")}{k}] through {perToken} of {experts} experts of w [{experts}x{n}, {k}] {type}, step {step}; experts 0 and {experts - 1} get no tokens", s =>
            {
                s.SetBatch(plan);
                GraphTensor routes = s.Input("routes", 2 * perToken, CaseSetup.Values(Routes(s, experts, perToken, s.Batch.TokenCount)));
                GraphTensor w = s.Builder.Weight(s.Weight("ffn_up_exps", type, experts * n, k, s.Normal(0.5)));
                GraphTensor x = s.Input("x", perSlot ? perToken * k : k, s.Normal());
                s.Finish(s.Builder.ExpertMatMul(x, routes, w, new ExpertMatMulParams(0, experts, perToken)));
            });
    }

    /// <summary>
    /// ExpertMatMul whose route ids are -1 for about <paramref name="skipped"/> of the (token, slot) pairs (the first pair
    /// always, the second never unless all are), over an output that already holds values: those rows must keep them.
    /// </summary>
    private static void SkippedSlots(CaseList cases, DType type, int experts, int perToken, int n, int k, bool perSlot, string step, double skipped)
    {
        string form = perSlot ? "x-per-slot" : "x-per-token";
        string share = skipped >= 1 ? "all" : "half";
        cases.Add($"ExpertMatMul/{DTypeInfo.Name(type)}/skipped-{share}/E{experts}xS{perToken}xN{n}xK{k}/{form}/{step}", OpKind.ExpertMatMul, type,
            $"{share} of the slots routed to -1 (computed on another device) must keep the output's prior values; the rest as usual; step {step}", s =>
            {
                s.SetBatch(Plan(step));
                float[] routes = Routes(s, experts, perToken, s.Batch.TokenCount);
                int pairs = s.Batch.TokenCount * perToken;
                for (int i = 0; i < pairs; i++)
                {
                    bool skip = i == 0 || (skipped >= 1) || (i != 1 && s.Random.Uniform(0, 1) < skipped);
                    if (skip)
                    {
                        routes[((i / perToken) * 2 * perToken) + (i % perToken)] = -1f;
                    }
                }

                GraphTensor w = s.Builder.Weight(s.Weight("ffn_up_exps", type, experts * n, k, s.Normal(0.5)));
                GraphTensor x = s.Input("x", perSlot ? perToken * k : k, s.Normal());
                s.PriorOutput = s.Normal(3);
                s.Finish(s.Builder.ExpertMatMul(x, s.Input("routes", 2 * perToken, CaseSetup.Values(routes)), w, new ExpertMatMulParams(0, experts, perToken)));
            });
    }

    private static void BadRoute(CaseList cases, float badId, string name)
    {
        cases.Add($"ExpertMatMul/f32/bad-route-{name}", OpKind.ExpertMatMul, DType.F32, $"a route names expert {badId} of 8: Execute must throw", s =>
        {
            s.SetBatch([new SequencePlan(3)]);
            s.ExpectsError = true;
            float[] routes = Routes(s, 8, 2, 3);
            routes[(1 * 4) + 1] = badId;
            GraphTensor w = s.Builder.Weight(s.Weight("ffn_up_exps", DType.F32, 8 * 4, 16, s.Normal()));
            s.Finish(s.Builder.ExpertMatMul(s.Input("x", 16, s.Normal()), s.Input("routes", 4, CaseSetup.Values(routes)), w, new ExpertMatMulParams(0, 8, 2)));
        });
    }
}
