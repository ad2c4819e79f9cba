using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// The prefetch side of <see cref="NextLayerPredictor"/>: right after a layer's routes, predicts the next MoE layer's
/// experts and asks the kernel to read the cold ones ahead (<see cref="ExpertStaging.ReadAhead"/>); at the next layer's
/// routes, scores the prediction against what it chose. Decode-sized steps only. Runs on the step thread.
/// </summary>
internal sealed class NextLayerPrefetch
{
    /// <summary>Most tokens in a step for which the next layer's experts are predicted.</summary>
    private const int PredictedTokens = 8;

    private readonly NextLayerPredictor _predictor;
    private readonly MoeModelShape _shape;
    private readonly bool[][] _predicted;
    private readonly bool[] _valid;
    private readonly bool[] _chosen;

    /// <summary>Prefetch for <paramref name="shape"/>'s MoE layers with <paramref name="predictor"/>.</summary>
    public NextLayerPrefetch(NextLayerPredictor predictor, MoeModelShape shape)
    {
        _predictor = predictor;
        _shape = shape;
        _predicted = [.. Enumerable.Range(0, shape.MoeLayerCount).Select(_ => new bool[shape.ExpertCount])];
        _valid = new bool[shape.MoeLayerCount];
        _chosen = new bool[shape.ExpertCount];
    }

    /// <summary>Distinct experts the layers chose in steps whose choice was predicted one layer earlier.</summary>
    public long Checks { get; private set; }

    /// <summary>Of <see cref="Checks"/>, those the prediction named.</summary>
    public long Hits { get; private set; }

    /// <summary>Cold experts read ahead because the next layer was predicted to choose them.</summary>
    public long ColdPrefetches { get; private set; }

    /// <summary>Of the chosen experts the prediction named, those that were cold (a read-ahead that was used).</summary>
    public long ColdHits { get; private set; }

    /// <summary>Scores <paramref name="moeLayer"/>'s prediction (made one layer earlier) against the experts it chose.</summary>
    public void Check(int moeLayer, ReadOnlySpan<float> routes, int tokens, int s, bool[] resident)
    {
        if (!_valid[moeLayer])
        {
            return;
        }

        _valid[moeLayer] = false;
        bool[] predicted = _predicted[moeLayer];
        Array.Clear(_chosen);
        for (int t = 0; t < tokens; t++)
        {
            for (int j = 0; j < s; j++)
            {
                int e = (int)routes[(t * 2 * s) + j];
                if (_chosen[e])
                {
                    continue;
                }

                _chosen[e] = true;
                Checks++;
                if (predicted[e])
                {
                    Hits++;
                    ColdHits += resident[(moeLayer * _shape.ExpertCount) + e] ? 0 : 1;
                }
            }
        }
    }

    /// <summary>Predicts the MoE layer after <paramref name="moeLayer"/> and reads its cold predicted experts ahead.</summary>
    public void Prefetch(int moeLayer, IExecutionContext context, int tokens, bool[] resident, ExpertStaging staging)
    {
        if (tokens > PredictedTokens || !_predictor.CanPredict(moeLayer))
        {
            return;
        }

        int next = moeLayer + 1;
        bool[] predicted = _predicted[next];
        _predictor.Predict(moeLayer, context, tokens, predicted);
        _valid[next] = true;
        for (int e = 0; e < predicted.Length; e++)
        {
            if (predicted[e] && !resident[(next * _shape.ExpertCount) + e])
            {
                ColdPrefetches++;
                staging.ReadAhead(next, e);
            }
        }
    }
}
