using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance;

/// <summary>
/// The references of the mixture-of-experts ops of contract 1.2: <see cref="OpKind.MoeRoute"/> (scores, biased
/// choice, group limit, top S, weights; in double), <see cref="OpKind.ExpertMatMul"/> (each (token, slot) times
/// the rows of its expert; a slot routed to -1 is skipped, its output left as it was: contract 1.3) and <see cref="OpKind.MoeCombine"/> (the weighted sum of the slots).
/// </summary>
internal static class ReferenceMoe
{
    public static void Route(GraphNode node, IExecutionContext context)
    {
        MoeRouteParams p = node.GetParams<MoeRouteParams>();
        int e = p.ExpertCount;
        int s = p.ExpertsPerToken;
        float[]? bias = node.Inputs.Count > 1 ? TensorRows.Read(node.Inputs[1], 0, context) : null;
        ReadOnlySpan<float> logits = context.GetF32(node.Inputs[0]);
        Span<float> routes = context.GetF32(node.Output);
        for (int t = 0; t < context.Rows(node.Inputs[0]); t++)
        {
            RouteChoice choice = Choose(p, logits.Slice(t * e, e), bias);
            for (int j = 0; j < s; j++)
            {
                routes[(t * 2 * s) + j] = choice.Experts[j];
                routes[(t * 2 * s) + s + j] = (float)choice.Weights[j];
            }
        }
    }

    /// <summary>The route of one token, read straight off the op's documentation.</summary>
    public static RouteChoice Choose(MoeRouteParams p, ReadOnlySpan<float> logits, float[]? bias)
    {
        int e = p.ExpertCount;
        var scores = new double[e];
        double max = double.NegativeInfinity;
        for (int i = 0; i < e; i++)
        {
            max = Math.Max(max, logits[i]);
        }

        double sum = 0;
        for (int i = 0; i < e; i++)
        {
            sum += Math.Exp(logits[i] - max);
        }

        for (int i = 0; i < e; i++)
        {
            scores[i] = p.Scoring == MoeScoring.Softmax ? Math.Exp(logits[i] - max) / sum : 1 / (1 + Math.Exp(-(double)logits[i]));
        }

        var choice = new double[e];
        double scale = 0;
        for (int i = 0; i < e; i++)
        {
            choice[i] = scores[i] + (bias is null ? 0 : bias[i]);
            scale = Math.Max(scale, Math.Abs(choice[i]));
        }

        double margin = double.PositiveInfinity;
        bool[] allowed = KeptExperts(p, choice, ref margin);

        // The S largest b among the allowed experts, ties to the lower id; one more ranks the gap past the last choice.
        int[] ranked = Rank(choice, allowed, Math.Min(p.ExpertsPerToken + 1, allowed.Count(a => a)));
        for (int j = 0; j + 1 < ranked.Length; j++)
        {
            margin = Math.Min(margin, choice[ranked[j]] - choice[ranked[j + 1]]);
        }

        int[] experts = ranked[..p.ExpertsPerToken];
        double[] weights = experts.Select(x => scores[x]).ToArray();
        double total = weights.Sum();
        for (int j = 0; j < weights.Length; j++)
        {
            weights[j] = (p.NormalizeWeights ? weights[j] / total : weights[j]) * p.WeightScale;
        }

        return new RouteChoice(experts, weights, margin, scale);
    }

    public static void ExpertMatMul(GraphNode node, IExecutionContext context)
    {
        ExpertMatMulParams p = node.GetParams<ExpertMatMulParams>();
        GraphTensor xt = node.Inputs[0];
        GraphTensor w = node.Inputs[2];
        int s = p.ExpertsPerToken;
        int k = checked((int)w.Columns);
        float[][] wRows = TensorRows.ReadAll(w, context);
        int n = wRows.Length / p.ExpertCount;
        bool xPerSlot = xt.Columns == (long)s * k;
        ReadOnlySpan<float> x = context.GetF32(xt);
        ReadOnlySpan<float> routes = context.GetF32(node.Inputs[1]);
        Span<float> y = context.GetF32(node.Output);
        for (int t = 0; t < context.Rows(xt); t++)
        {
            for (int slot = 0; slot < s; slot++)
            {
                if (IsSkipped(routes, t, slot, p))
                {
                    continue;
                }

                int expert = ExpertOf(routes, t, slot, p);
                ReadOnlySpan<float> xs = x.Slice(xPerSlot ? ((t * s) + slot) * k : t * k, k);
                for (int j = 0; j < n; j++)
                {
                    y[(((t * s) + slot) * n) + j] = (float)ReferenceOps.Dot(xs, wRows[(expert * n) + j]);
                }
            }
        }
    }

    public static void Combine(GraphNode node, IExecutionContext context)
    {
        int s = node.GetParams<MoeCombineParams>().ExpertsPerToken;
        GraphTensor yt = node.Inputs[0];
        int d = checked((int)(yt.Columns / s));
        ReadOnlySpan<float> y = context.GetF32(yt);
        ReadOnlySpan<float> routes = context.GetF32(node.Inputs[1]);
        Span<float> output = context.GetF32(node.Output);
        for (int t = 0; t < context.Rows(yt); t++)
        {
            for (int i = 0; i < d; i++)
            {
                double sum = 0;
                for (int slot = 0; slot < s; slot++)
                {
                    sum += (double)routes[(t * 2 * s) + s + slot] * y[(((t * s) + slot) * d) + i];
                }

                output[(t * d) + i] = (float)sum;
            }
        }
    }

    /// <summary>Whether slot <paramref name="slot"/> of token <paramref name="token"/> is routed to -1: computed elsewhere (contract 1.3).</summary>
    public static bool IsSkipped(ReadOnlySpan<float> routes, int token, int slot, ExpertMatMulParams p) =>
        routes[(token * 2 * p.ExpertsPerToken) + slot] == -1f;

    /// <summary>The expert of slot <paramref name="slot"/> of token <paramref name="token"/>; throws unless it is an integer in [0, E).</summary>
    public static int ExpertOf(ReadOnlySpan<float> routes, int token, int slot, ExpertMatMulParams p)
    {
        float id = routes[(token * 2 * p.ExpertsPerToken) + slot];
        if (!(id >= 0 && id < p.ExpertCount && id == Math.Floor(id)))
        {
            throw new ArgumentOutOfRangeException(nameof(routes), id, $"ExpertMatMul: route {slot} of token {token} names no expert of [0, {p.ExpertCount})");
        }

        return (int)id;
    }

    /// <summary>Which experts survive the group limit; lowers <paramref name="margin"/> to the gap at the kept groups' boundary.</summary>
    private static bool[] KeptExperts(MoeRouteParams p, double[] choice, ref double margin)
    {
        int e = p.ExpertCount;
        var allowed = new bool[e];
        Array.Fill(allowed, true);
        if (p.GroupCount <= 1)
        {
            return allowed;
        }

        int size = e / p.GroupCount;
        var groupScores = new double[p.GroupCount];
        for (int g = 0; g < p.GroupCount; g++)
        {
            // The sum of the group's two largest b (its only b for a group of one).
            int[] top = Rank(choice[(g * size)..((g + 1) * size)], null, Math.Min(2, size));
            groupScores[g] = top.Sum(i => choice[(g * size) + i]);
        }

        int[] groups = Rank(groupScores, null, p.GroupCount);
        if (p.GroupsUsed < p.GroupCount)
        {
            margin = Math.Min(margin, groupScores[groups[p.GroupsUsed - 1]] - groupScores[groups[p.GroupsUsed]]);
        }

        for (int i = 0; i < e; i++)
        {
            allowed[i] = Array.IndexOf(groups, i / size) < p.GroupsUsed;
        }

        return allowed;
    }

    /// <summary>The indices of the <paramref name="count"/> largest values (only allowed ones), largest first, ties to the lower index.</summary>
    private static int[] Rank(double[] values, bool[]? allowed, int count)
    {
        var ranked = new int[count];
        var taken = new bool[values.Length];
        for (int r = 0; r < count; r++)
        {
            int best = -1;
            for (int i = 0; i < values.Length; i++)
            {
                if (!taken[i] && (allowed is null || allowed[i]) && (best < 0 || values[i] > values[best]))
                {
                    best = i;
                }
            }

            ranked[r] = best;
            taken[best] = true;
        }

        return ranked;
    }
}
