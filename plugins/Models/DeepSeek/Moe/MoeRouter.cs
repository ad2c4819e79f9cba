using LlmFramework.Models.DeepSeek.Config;

namespace LlmFramework.Models.DeepSeek.Moe;

/// <summary>
/// DeepSeek's expert routing for one token (managed reference; the step graph's MoE op will use the same rules):
/// scores s = softmax or sigmoid of the router logits; the choice uses b = s + correction bias (sigmoid models
/// only: the bias steers which experts are picked, never their weights); with groups, each group is scored by the sum
/// of its top two b (as llama.cpp does for both gatings; DeepSeek-V2's own code scores a group by its largest b), the
/// best <see cref="DeepSeekConfig.ExpertGroupsUsed"/> groups are kept, and the top-k experts by b are chosen among them (ties to the lower id). The weights are the chosen
/// experts' unbiased s, divided by their sum when <see cref="DeepSeekConfig.NormalizeTopKWeights"/>, times
/// <see cref="DeepSeekConfig.RoutedScalingFactor"/>. Allocates nothing per call.
/// </summary>
public sealed class MoeRouter
{
    private readonly float[] _scores;
    private readonly float[] _choice;
    private readonly float[] _groupScores;
    private readonly bool[] _groupKept;

    /// <summary>Prepares a router for <paramref name="config"/>'s MoE layers.</summary>
    public MoeRouter(DeepSeekConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        _scores = new float[config.RoutedExperts];
        _choice = new float[config.RoutedExperts];
        _groupScores = new float[config.ExpertGroups];
        _groupKept = new bool[config.ExpertGroups];
    }

    /// <summary>The configuration.</summary>
    public DeepSeekConfig Config { get; }

    /// <summary>
    /// Routes one token: writes the chosen expert ids (in order of choice: best first) to <paramref name="experts"/> and
    /// their weights to <paramref name="weights"/> (both of length <see cref="DeepSeekConfig.ExpertsPerToken"/>).
    /// </summary>
    /// <param name="logits">The router's logits, one per routed expert.</param>
    /// <param name="correctionBias">e_score_correction_bias (sigmoid models), or empty.</param>
    /// <param name="experts">The chosen experts.</param>
    /// <param name="weights">Their weights.</param>
    public void Route(ReadOnlySpan<float> logits, ReadOnlySpan<float> correctionBias, Span<int> experts, Span<float> weights)
    {
        DeepSeekConfig c = Config;
        int n = c.RoutedExperts;
        int k = c.ExpertsPerToken;
        if (logits.Length != n || experts.Length != k || weights.Length != k || (!correctionBias.IsEmpty && correctionBias.Length != n))
        {
            throw new ArgumentException($"routing needs {n} logits (and an empty or {n}-long bias) and room for {k} experts; got {logits.Length}, {correctionBias.Length}, {experts.Length}, {weights.Length}");
        }

        Span<float> s = _scores;
        Span<float> b = _choice;
        if (c.Gating == ExpertGating.Softmax)
        {
            float max = float.NegativeInfinity;
            foreach (float v in logits)
            {
                max = Math.Max(max, v);
            }

            double sum = 0;
            for (int e = 0; e < n; e++)
            {
                s[e] = MathF.Exp(logits[e] - max);
                sum += s[e];
            }

            for (int e = 0; e < n; e++)
            {
                s[e] = (float)(s[e] / sum);
            }
        }
        else
        {
            for (int e = 0; e < n; e++)
            {
                s[e] = 1f / (1f + MathF.Exp(-logits[e]));
            }
        }

        for (int e = 0; e < n; e++)
        {
            b[e] = correctionBias.IsEmpty ? s[e] : s[e] + correctionBias[e];
        }

        if (c.ExpertGroups > 1)
        {
            KeepBestGroups(b);
        }

        // Top-k by b (masked experts are -inf), ties to the lower id: k passes over n, k is small (6-8).
        for (int j = 0; j < k; j++)
        {
            int best = -1;
            for (int e = 0; e < n; e++)
            {
                if (b[e] != float.NegativeInfinity && (best < 0 || b[e] > b[best]) && !Chosen(experts[..j], e))
                {
                    best = e;
                }
            }

            experts[j] = best >= 0 ? best : throw new InvalidOperationException($"only {j} experts are left after group limiting, {k} are needed");
            weights[j] = s[best];
        }

        float scale = c.RoutedScalingFactor;
        if (c.NormalizeTopKWeights)
        {
            float total = 0;
            foreach (float w in weights)
            {
                total += w;
            }

            scale /= total + 1e-20f;
        }

        for (int j = 0; j < k; j++)
        {
            weights[j] *= scale;
        }
    }

    private void KeepBestGroups(Span<float> b)
    {
        DeepSeekConfig c = Config;
        int size = c.RoutedExperts / c.ExpertGroups;
        for (int g = 0; g < c.ExpertGroups; g++)
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

            _groupScores[g] = first + second;
            _groupKept[g] = false;
        }

        for (int kept = 0; kept < c.ExpertGroupsUsed; kept++)
        {
            int best = -1;
            for (int g = 0; g < c.ExpertGroups; g++)
            {
                if (!_groupKept[g] && (best < 0 || _groupScores[g] > _groupScores[best]))
                {
                    best = g;
                }
            }

            _groupKept[best] = true;
        }

        for (int g = 0; g < c.ExpertGroups; g++)
        {
            if (!_groupKept[g])
            {
                b.Slice(g * size, size).Fill(float.NegativeInfinity);
            }
        }
    }

    private static bool Chosen(ReadOnlySpan<int> chosen, int expert)
    {
        foreach (int e in chosen)
        {
            if (e == expert)
            {
                return true;
            }
        }

        return false;
    }
}
