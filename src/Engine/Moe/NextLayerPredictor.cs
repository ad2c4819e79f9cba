using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Engine.Sampling;
using LlmFramework.Quantization;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// Guesses the experts MoE layer l + 1 will choose while layer l runs: the step's hidden rows entering layer l's router
/// times layer l + 1's router (the residual stream changes little from one layer to the next, so this predicts much of
/// the next layer's routing, the pre-gating idea), scored as that layer's MoeRoute scores (softmax or sigmoid, plus the
/// correction bias), top S per token. Group limiting is not applied (a guess may name an expert of a dropped group).
/// Router weights are decoded to F32 once; a layer whose router is not a bound weight predicts nothing.
/// </summary>
internal sealed class NextLayerPredictor
{
    private readonly Layer?[] _layers;
    private readonly float[] _scores;

    private NextLayerPredictor(Layer?[] layers, int experts)
    {
        _layers = layers;
        _scores = new float[experts];
    }

    /// <summary>One MoE layer's router: its input rows, weights [E, D] in F32, correction bias, routing parameters.</summary>
    private sealed record Layer(GraphTensor Hidden, float[] Router, float[]? Bias, int Width, MoeRouteParams Route);

    /// <summary>The predictor for <paramref name="graph"/>'s MoE layers (routers are MatMul nodes feeding MoeRoute).</summary>
    public static NextLayerPredictor Create(ComputeGraph graph, int moeLayers, int experts)
    {
        var layers = new Layer?[moeLayers];
        foreach (GraphNode route in graph.Nodes.Where(n => n.Op == OpKind.MoeRoute))
        {
            MoeRouteParams p = route.GetParams<MoeRouteParams>();
            GraphNode? router = graph.Nodes.FirstOrDefault(n => ReferenceEquals(n.Output, route.Inputs[0]));
            if (router is not { Op: OpKind.MatMul } || router.Inputs[1].Weight is not { } w || w.Rows != p.ExpertCount || w.Columns > int.MaxValue)
            {
                continue;
            }

            float[]? bias = route.Inputs.Count > 1 && route.Inputs[1].Weight is { } b ? Decode(b) : null;
            layers[p.MoeLayer] = new Layer(router.Inputs[0], Decode(w), bias, (int)w.Columns, p);
        }

        return new NextLayerPredictor(layers, experts);
    }

    /// <summary>Whether layer <paramref name="moeLayer"/> + 1 can be predicted from layer <paramref name="moeLayer"/>.</summary>
    public bool CanPredict(int moeLayer) => moeLayer + 1 < _layers.Length && _layers[moeLayer] is not null && _layers[moeLayer + 1] is not null;

    /// <summary>
    /// Marks in <paramref name="chosen"/> (cleared first, E flags) the experts layer <paramref name="moeLayer"/> + 1 is
    /// predicted to choose for the step's first <paramref name="tokens"/> rows; call right after layer
    /// <paramref name="moeLayer"/>'s MoeRoute, while its router input is still live.
    /// </summary>
    public void Predict(int moeLayer, IExecutionContext context, int tokens, Span<bool> chosen)
    {
        Layer now = _layers[moeLayer]!, next = _layers[moeLayer + 1]!;
        ReadOnlySpan<float> hidden = context.GetF32(now.Hidden);
        chosen.Clear();
        int d = next.Width, e = next.Route.ExpertCount;
        Span<float> scores = _scores.AsSpan(0, e);
        for (int t = 0; t < tokens; t++)
        {
            ReadOnlySpan<float> row = hidden.Slice(t * d, d);
            for (int j = 0; j < e; j++)
            {
                scores[j] = Dot(row, next.Router.AsSpan(j * d, d));
            }

            Score(scores, next.Route.Scoring, next.Bias);
            for (int k = 0, best; k < next.Route.ExpertsPerToken && (best = LogitMath.ArgMax(scores)) >= 0; k++)
            {
                chosen[best] = true;
                scores[best] = float.NegativeInfinity;
            }
        }
    }

    /// <summary>Turns router logits into the scores experts are chosen by: softmax or sigmoid, plus the correction bias.</summary>
    private static void Score(Span<float> scores, MoeScoring scoring, float[]? bias)
    {
        if (scoring == MoeScoring.Sigmoid)
        {
            for (int j = 0; j < scores.Length; j++)
            {
                scores[j] = 1f / (1f + MathF.Exp(-scores[j]));
            }
        }
        else
        {
            float sum = (float)ExpPasses.ExpShifted(scores, scores, LogitMath.Max(scores), 1f);
            for (int j = 0; j < scores.Length; j++)
            {
                scores[j] /= sum;
            }
        }

        for (int j = 0; bias is not null && j < scores.Length; j++)
        {
            scores[j] += bias[j];
        }
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = System.Numerics.Vector<float>.Zero;
        int i = 0;
        for (; i <= a.Length - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
        {
            sum += new System.Numerics.Vector<float>(a[i..]) * new System.Numerics.Vector<float>(b[i..]);
        }

        float total = System.Numerics.Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }

    private static float[] Decode(WeightTensor w)
    {
        var values = new float[checked((int)(w.Rows * w.Columns))];
        BlockQuantizer.Dequantize(w.Type, w.Bytes, values);
        return values;
    }
}
