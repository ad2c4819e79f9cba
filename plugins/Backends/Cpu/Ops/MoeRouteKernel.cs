using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Kernels;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.MoeRoute"/>, token by token: scores s = softmax (F32 exponentials, summed in double) or sigmoid
/// of the router logits; the choice uses b = s + bias (the bias steers which experts are picked, never their
/// weights); with groups, each group is scored by the sum of its top two b (its one b for a group of one expert; as
/// llama.cpp does for both gatings, where DeepSeek-V2's own code scores a group by its largest b), the best
/// GroupsUsed groups are kept (ties to the lower group), and the top S experts by b are chosen among them (ties to
/// the lower id), best first. The weights are the chosen experts' unbiased s, divided by their sum when normalised,
/// times the weight scale. Scratch grows with the expert count; routing allocates nothing per token.
/// </summary>
internal sealed class MoeRouteKernel
{
    private float[] _scores = [];
    private float[] _choice = [];
    private float[] _groupScores = [];
    private bool[] _groupKept = [];
    private int[] _chosen = [];

    /// <summary>Routes <paramref name="tokens"/> tokens: logits [T, E] (and a bias of E values, or none) to route rows [T, 2S].</summary>
    public void Run(MoeRouteParams p, ReadOnlySpan<float> logits, ReadOnlySpan<float> bias, Span<float> routes, int tokens)
    {
        int e = p.ExpertCount;
        int width = 2 * p.ExpertsPerToken;
        for (int t = 0; t < tokens; t++)
        {
            Route(p, logits.Slice(t * e, e), bias, routes.Slice(t * width, width));
        }
    }

    /// <summary>
    /// Routes one token: writes the chosen expert ids (best first, as F32) to the first S values of
    /// <paramref name="route"/> and their weights to the next S.
    /// </summary>
    /// <param name="p">The routing rules.</param>
    /// <param name="logits">The router's logits, one per routed expert.</param>
    /// <param name="bias">The correction bias (E values), or empty for none.</param>
    /// <param name="route">The route row (2S values).</param>
    public void Route(MoeRouteParams p, ReadOnlySpan<float> logits, ReadOnlySpan<float> bias, Span<float> route)
    {
        int n = p.ExpertCount;
        int k = p.ExpertsPerToken;
        if (logits.Length != n || route.Length != 2 * k || (!bias.IsEmpty && bias.Length != n))
        {
            throw new ArgumentException($"routing needs {n} logits (and an empty or {n}-long bias) and a route row of {2 * k}; got {logits.Length}, {bias.Length}, {route.Length}");
        }

        Ensure(p);
        Span<float> s = _scores.AsSpan(0, n);
        Span<float> b = _choice.AsSpan(0, n);
        if (p.Scoring == MoeScoring.Softmax)
        {
            ElementwiseOps.WithScalar<ExpSubtractOp>(logits, Reductions.Max(logits), s);
            double sum = 0;
            foreach (float v in s)
            {
                sum += v;
            }

            for (int e = 0; e < n; e++)
            {
                s[e] = (float)(s[e] / sum);
            }
        }
        else
        {
            ElementwiseOps.WithScalar<SigmoidOp>(logits, 0f, s);
        }

        if (bias.IsEmpty)
        {
            s.CopyTo(b);
        }
        else
        {
            ElementwiseOps.Binary<AddOp>(s, bias, b);
        }

        if (p.GroupCount > 1)
        {
            KeepBestGroups(p, b);
        }

        // Top-k by b (masked experts are -inf), ties to the lower id: k passes over n, k is small (6-8).
        Span<int> chosen = _chosen.AsSpan(0, k);
        for (int j = 0; j < k; j++)
        {
            int best = -1;
            for (int e = 0; e < n; e++)
            {
                if (b[e] != float.NegativeInfinity && (best < 0 || b[e] > b[best]) && !chosen[..j].Contains(e))
                {
                    best = e;
                }
            }

            chosen[j] = best >= 0 ? best : throw new InvalidOperationException($"only {j} experts are left after group limiting, {k} are needed");
            route[j] = best;
            route[k + j] = s[best];
        }

        Span<float> weights = route[k..];
        float scale = p.WeightScale;
        if (p.NormalizeWeights)
        {
            scale /= Reductions.Sum(weights) + 1e-20f;
        }

        ElementwiseOps.WithScalar<MultiplyOp>(weights, scale, weights);
    }

    private void KeepBestGroups(MoeRouteParams p, Span<float> b)
    {
        int size = p.ExpertCount / p.GroupCount;
        for (int g = 0; g < p.GroupCount; g++)
        {
            ReadOnlySpan<float> group = b.Slice(g * size, size);
            float first = float.NegativeInfinity, second = float.NegativeInfinity;
            foreach (float v in group)
            {
                if (v > first)
                {
                    second = first;
                    first = v;
                }
                else if (v > second)
                {
                    second = v;
                }
            }

            _groupScores[g] = size == 1 ? first : first + second;
            _groupKept[g] = false;
        }

        for (int kept = 0; kept < p.GroupsUsed; kept++)
        {
            int best = -1;
            for (int g = 0; g < p.GroupCount; g++)
            {
                if (!_groupKept[g] && (best < 0 || _groupScores[g] > _groupScores[best]))
                {
                    best = g;
                }
            }

            _groupKept[best] = true;
        }

        for (int g = 0; g < p.GroupCount; g++)
        {
            if (!_groupKept[g])
            {
                b.Slice(g * size, size).Fill(float.NegativeInfinity);
            }
        }
    }

    private void Ensure(MoeRouteParams p)
    {
        if (_scores.Length < p.ExpertCount)
        {
            _scores = new float[p.ExpertCount];
            _choice = new float[p.ExpertCount];
        }

        if (_groupScores.Length < p.GroupCount)
        {
            _groupScores = new float[p.GroupCount];
            _groupKept = new bool[p.GroupCount];
        }

        if (_chosen.Length < p.ExpertsPerToken)
        {
            _chosen = new int[p.ExpertsPerToken];
        }
    }
}
