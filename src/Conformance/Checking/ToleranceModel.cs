using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Checking;

/// <summary>
/// The tolerance of each op and the per-value magnitude m it is stated against. A value passes when
/// |backend - reference| &lt;= Relative * m + Absolute. The numbers are argued in docs/conformance.md.
/// </summary>
internal static class ToleranceModel
{
    /// <summary>Extra Rope magnitude per radian of angle: covers an F32 angle p * f being off by half an ulp (2^-24 |angle|) with margin.</summary>
    public const double RopeAngleWeight = 0.024;

    /// <summary>
    /// MatMul rounding allowance for F16 weights, times ||x * w||_2 (element-wise product): a backend may round x to
    /// F16 as ggml does (relative error up to 2^-11 per value, a random walk of standard deviation 2.8e-4 ||x * w||);
    /// at the 1e-5 tolerance this allows 9 of those.
    /// </summary>
    public const double F16RoundingWeight = 250;

    /// <summary>As <see cref="F16RoundingWeight"/> for BF16 weights, x rounded to BF16 (2^-8 per value, sd 2.3e-3 ||x * w||).</summary>
    public const double BF16RoundingWeight = 2000;

    /// <summary>
    /// MatMul rounding allowance for quantised weights, times max|x| of the row and ||w||_2 of the weight row: a backend
    /// may round x to 8 bits in steps of at most max|x|/127 (Q8_0 or Q8_K blocks, or per row), a random walk of
    /// standard deviation about 0.0023 max|x| ||w||; at the 1e-5 tolerance this allows 8.7 of those.
    /// </summary>
    public const double QuantizedRoundingWeight = 2000;

    /// <summary>Extra Attention magnitude per unit of score magnitude (scale * sum |q*k|), for F32 rounding of the scores.</summary>
    public const double AttentionScoreWeight = 0.01;

    public static Tolerance For(OpKind op, DType? weightType) => op switch
    {
        OpKind.GetRows => weightType is { } t && DTypeInfo.IsQuantized(t) ? new(1e-6, 0) : new(0, 0),
        OpKind.MatMul => new(1e-5, 0),
        OpKind.RmsNorm => new(1e-5, 0),
        OpKind.Add or OpKind.Mul or OpKind.Scale => new(1e-6, 0),
        OpKind.Silu or OpKind.SwiGlu => new(1e-5, 1e-10),
        OpKind.Softmax => new(1e-5, 1e-9),
        OpKind.Rope => new(1e-5, 0),
        OpKind.Attention => new(1e-4, 1e-7),
        OpKind.SelectOutputRows or OpKind.SliceColumns or OpKind.ConcatColumns => new(0, 0),
        OpKind.HeadMatMul or OpKind.ExpertMatMul => new(1e-5, 0),
        OpKind.LatentAttention => new(1e-4, 1e-7),
        OpKind.MoeRoute => new(1e-5, 0),
        OpKind.MoeCombine => new(1e-5, 0),
        _ => throw new NotSupportedException($"no tolerance is defined for op {op}"),
    };

    public static Tolerance For(GraphNode node) => For(node.Op, WeightTypeOf(node));

    public static DType? WeightTypeOf(GraphNode node) => node.Inputs.FirstOrDefault(i => i.Role == TensorRole.Weight)?.Type;

    /// <summary>The magnitude m of every output value of <paramref name="node"/>, from the reference context after the reference ran it.</summary>
    public static double[] Magnitudes(GraphNode node, IExecutionContext reference)
    {
        ReadOnlySpan<float> y = reference.GetF32(node.Output);
        var m = new double[y.Length];
        switch (node.Op)
        {
            case OpKind.Add:
                ReadOnlySpan<float> a = reference.GetF32(node.Inputs[0]);
                ReadOnlySpan<float> b = reference.GetF32(node.Inputs[1]);
                for (int i = 0; i < m.Length; i++)
                {
                    m[i] = Math.Abs(a[i]) + Math.Abs(b[i]);
                }

                break;
            case OpKind.GetRows:
                RowMaxima(y, (int)node.Output.Columns, m);
                break;
            case OpKind.MatMul:
                HeadMatMulMagnitudes(node, reference, m, 1);
                break;
            case OpKind.Rope:
                RopeMagnitudes(node, reference, m);
                break;
            case OpKind.Attention:
                AttentionMagnitudes(node, reference, m);
                break;
            case OpKind.HeadMatMul:
                HeadMatMulMagnitudes(node, reference, m, node.GetParams<HeadMatMulParams>().HeadCount);
                break;
            case OpKind.ExpertMatMul:
                ExpertMatMulMagnitudes(node, reference, m);
                break;
            case OpKind.LatentAttention:
                LatentAttentionMagnitudes(node, reference, m);
                break;
            case OpKind.MoeRoute:
                RouteMagnitudes(node, y, m);
                break;
            case OpKind.MoeCombine:
                CombineMagnitudes(node, reference, m);
                break;
            default:
                for (int i = 0; i < m.Length; i++)
                {
                    m[i] = Math.Abs(y[i]);
                }

                break;
        }

        return m;
    }

    private static void RowMaxima(ReadOnlySpan<float> y, int columns, double[] m)
    {
        for (int r = 0; r * columns < y.Length; r++)
        {
            double max = 0;
            for (int i = 0; i < columns; i++)
            {
                max = Math.Max(max, Math.Abs(y[(r * columns) + i]));
            }

            Array.Fill(m, max, r * columns, columns);
        }
    }

    /// <summary>MatMul (one head) and HeadMatMul: each output's <see cref="DotMagnitude"/> over its head's K values of x.</summary>
    private static void HeadMatMulMagnitudes(GraphNode node, IExecutionContext reference, double[] m, int heads)
    {
        GraphTensor xt = node.Inputs[0];
        GraphTensor w = node.Inputs[1];
        int k = (int)w.Columns;
        float[][] wRows = TensorRows.ReadAll(w, reference);
        int n = wRows.Length / heads;
        ReadOnlySpan<float> x = reference.GetF32(xt);
        for (int j = 0; j < wRows.Length; j++)
        {
            double norm = Norm(wRows[j]);
            int h = j / n;
            for (int r = 0; r < reference.Rows(xt); r++)
            {
                m[(r * wRows.Length) + j] = DotMagnitude(x.Slice((r * heads * k) + (h * k), k), wRows[j], norm, w.Type);
            }
        }
    }

    private static void ExpertMatMulMagnitudes(GraphNode node, IExecutionContext reference, double[] m)
    {
        ExpertMatMulParams p = node.GetParams<ExpertMatMulParams>();
        GraphTensor xt = node.Inputs[0];
        GraphTensor w = node.Inputs[2];
        int s = p.ExpertsPerToken;
        int k = (int)w.Columns;
        float[][] wRows = TensorRows.ReadAll(w, reference);
        double[] norms = wRows.Select(Norm).ToArray();
        int n = wRows.Length / p.ExpertCount;
        bool xPerSlot = xt.Columns == (long)s * k;
        ReadOnlySpan<float> x = reference.GetF32(xt);
        ReadOnlySpan<float> routes = reference.GetF32(node.Inputs[1]);
        for (int t = 0; t < reference.Rows(xt); t++)
        {
            for (int slot = 0; slot < s; slot++)
            {
                if (ReferenceMoe.IsSkipped(routes, t, slot, p))
                {
                    // A skipped slot keeps its prior values: m = 0 asks for them bit for bit.
                    continue;
                }

                int expert = ReferenceMoe.ExpertOf(routes, t, slot, p);
                ReadOnlySpan<float> xs = x.Slice(xPerSlot ? ((t * s) + slot) * k : t * k, k);
                for (int j = 0; j < n; j++)
                {
                    int row = (expert * n) + j;
                    m[(((t * s) + slot) * n) + j] = DotMagnitude(xs, wRows[row], norms[row], w.Type);
                }
            }
        }
    }

    private static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));

    /// <summary>The magnitude of one matmul output x . w: Σ|x_k w_k| plus the room for rounding x that w's dtype allows.</summary>
    private static double DotMagnitude(ReadOnlySpan<float> x, float[] w, double wNorm, DType type)
    {
        double sum = 0;
        double productNorm = 0;
        double rowMax = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double product = (double)x[i] * w[i];
            sum += Math.Abs(product);
            productNorm += product * product;
            rowMax = Math.Max(rowMax, Math.Abs(x[i]));
        }

        return sum + type switch
        {
            DType.F32 => 0,
            DType.F16 => F16RoundingWeight * Math.Sqrt(productNorm),
            DType.BF16 => BF16RoundingWeight * Math.Sqrt(productNorm),
            _ => QuantizedRoundingWeight * rowMax * wNorm,
        };
    }

    private static void RopeMagnitudes(GraphNode node, IExecutionContext reference, double[] m)
    {
        RopeParams p = node.GetParams<RopeParams>();
        ReadOnlySpan<float> x = reference.GetF32(node.Inputs[0]);
        ReadOnlySpan<int> positions = reference.GetI32(node.Inputs[1]);
        int cols = (int)node.Inputs[0].Columns;
        int half = p.RotaryDim / 2;
        for (int i = 0; i < m.Length; i++)
        {
            m[i] = Math.Abs(x[i]);
        }

        for (int t = 0; t < reference.Rows(node.Inputs[0]); t++)
        {
            for (int h = 0; h < p.HeadCount; h++)
            {
                int head = (t * cols) + (h * p.HeadDim);
                for (int i = 0; i < half; i++)
                {
                    int first = p.Style == RopeStyle.Interleaved ? head + (2 * i) : head + i;
                    int second = p.Style == RopeStyle.Interleaved ? first + 1 : first + half;
                    double angle = Math.Abs(positions[t] * (double)p.InverseFrequencies[i]);
                    double pair = Math.Sqrt(((double)x[first] * x[first]) + ((double)x[second] * x[second]));
                    m[first] = m[second] = pair * Math.Abs(p.AttentionFactor) * (1 + (RopeAngleWeight * angle));
                }
            }
        }
    }

    private static void AttentionMagnitudes(GraphNode node, IExecutionContext reference, double[] m)
    {
        AttentionParams p = node.GetParams<AttentionParams>();
        StepBatch batch = reference.Batch;
        IKvCache cache = reference.KvCache;
        ReadOnlySpan<float> q = reference.GetF32(node.Inputs[0]);
        int keyWidth = p.KvHeadCount * p.KeyDim;
        int valueWidth = p.KvHeadCount * p.ValueDim;
        int group = p.HeadCount / p.KvHeadCount;
        for (int t = 0; t < batch.TokenCount; t++)
        {
            int[] blockTable = ReferenceAttention.BlockTableOf(batch, t);
            for (int h = 0; h < p.HeadCount; h++)
            {
                int kvHead = h / group;
                double maxScore = 0;
                var maxValue = new double[p.ValueDim];
                for (int j = 0; j <= batch.Positions[t]; j++)
                {
                    Span<float> kj = ReferenceAttention.Slot(cache, p.Layer, ReferenceAttention.KeyStream, blockTable, j, keyWidth);
                    Span<float> vj = ReferenceAttention.Slot(cache, p.Layer, ReferenceAttention.ValueStream, blockTable, j, valueWidth);
                    double score = 0;
                    for (int i = 0; i < p.KeyDim; i++)
                    {
                        score += Math.Abs((double)q[(((t * p.HeadCount) + h) * p.KeyDim) + i] * kj[(kvHead * p.KeyDim) + i]);
                    }

                    maxScore = Math.Max(maxScore, score * Math.Abs(p.Scale));
                    for (int i = 0; i < p.ValueDim; i++)
                    {
                        maxValue[i] = Math.Max(maxValue[i], Math.Abs(vj[(kvHead * p.ValueDim) + i]));
                    }
                }

                for (int i = 0; i < p.ValueDim; i++)
                {
                    m[(((t * p.HeadCount) + h) * p.ValueDim) + i] = maxValue[i] * (1 + (AttentionScoreWeight * maxScore));
                }
            }
        }
    }

    private static void LatentAttentionMagnitudes(GraphNode node, IExecutionContext reference, double[] m)
    {
        LatentAttentionParams p = node.GetParams<LatentAttentionParams>();
        StepBatch batch = reference.Batch;
        IKvCache cache = reference.KvCache;
        ReadOnlySpan<float> q = reference.GetF32(node.Inputs[0]);
        int c = p.LatentDim;
        int queryWidth = c + p.RopeDim;
        for (int t = 0; t < batch.TokenCount; t++)
        {
            int[] blockTable = ReferenceAttention.BlockTableOf(batch, t);
            for (int h = 0; h < p.HeadCount; h++)
            {
                int head = ((t * p.HeadCount) + h) * queryWidth;
                double maxScore = 0;
                var maxValue = new double[c];
                for (int j = 0; j <= batch.Positions[t]; j++)
                {
                    Span<float> cj = ReferenceAttention.Slot(cache, p.Layer, ReferenceLatentAttention.LatentStream, blockTable, j, c);
                    Span<float> krj = ReferenceAttention.Slot(cache, p.Layer, ReferenceLatentAttention.RopeStream, blockTable, j, p.RopeDim);
                    double score = 0;
                    for (int i = 0; i < queryWidth; i++)
                    {
                        score += Math.Abs((double)q[head + i] * (i < c ? cj[i] : krj[i - c]));
                    }

                    maxScore = Math.Max(maxScore, score * Math.Abs(p.Scale));
                    for (int i = 0; i < c; i++)
                    {
                        maxValue[i] = Math.Max(maxValue[i], Math.Abs(cj[i]));
                    }
                }

                for (int i = 0; i < c; i++)
                {
                    m[(((t * p.HeadCount) + h) * c) + i] = maxValue[i] * (1 + (AttentionScoreWeight * maxScore));
                }
            }
        }
    }

    /// <summary>Route ids must be exact (m = 0); weights are compared relative to themselves.</summary>
    private static void RouteMagnitudes(GraphNode node, ReadOnlySpan<float> y, double[] m)
    {
        int s = node.GetParams<MoeRouteParams>().ExpertsPerToken;
        for (int i = 0; i < m.Length; i++)
        {
            m[i] = i % (2 * s) < s ? 0 : Math.Abs(y[i]);
        }
    }

    private static void CombineMagnitudes(GraphNode node, IExecutionContext reference, double[] m)
    {
        int s = node.GetParams<MoeCombineParams>().ExpertsPerToken;
        GraphTensor yt = node.Inputs[0];
        int d = (int)(yt.Columns / s);
        ReadOnlySpan<float> y = reference.GetF32(yt);
        ReadOnlySpan<float> routes = reference.GetF32(node.Inputs[1]);
        for (int t = 0; t < reference.Rows(yt); t++)
        {
            for (int i = 0; i < d; i++)
            {
                double sum = 0;
                for (int slot = 0; slot < s; slot++)
                {
                    sum += Math.Abs((double)routes[(t * 2 * s) + s + slot] * y[(((t * s) + slot) * d) + i]);
                }

                m[(t * d) + i] = sum;
            }
        }
    }
}
