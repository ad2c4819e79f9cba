using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance;

/// <summary>
/// The scalar reference of every <see cref="OpKind"/>: plain loops, sums in double, no vectorisation, no
/// cleverness, written to be read against the op documentation. Weights of any dtype are first dequantised with
/// the reference codecs (<c>LlmFramework.Quantization.BlockQuantizer</c>); activations are never quantised.
/// Results are rounded to F32 once, at the end of each output element.
/// </summary>
public static class ReferenceOps
{
    /// <summary>Runs <paramref name="node"/>: reads its inputs from <paramref name="context"/> and writes its output there.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A GetRows id is outside the table, or an ExpertMatMul route names no expert.</exception>
    /// <exception cref="InvalidOperationException">The KV cache or the batch does not fit the node.</exception>
    /// <exception cref="NotSupportedException">The op is not one of contract version 1.2.</exception>
    public static void Execute(GraphNode node, IExecutionContext context)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(context);
        switch (node.Op)
        {
            case OpKind.GetRows: GetRows(node, context); break;
            case OpKind.MatMul: MatMul(node, context); break;
            case OpKind.RmsNorm: RmsNorm(node, context); break;
            case OpKind.Add: Binary(node, context, static (a, b) => a + b); break;
            case OpKind.Mul: Binary(node, context, static (a, b) => a * b); break;
            case OpKind.SwiGlu: Binary(node, context, static (gate, up) => Silu(gate) * up); break;
            case OpKind.Silu: Unary(node, context, Silu); break;
            case OpKind.Scale:
                double factor = node.GetParams<ScaleParams>().Factor;
                Unary(node, context, x => x * factor);
                break;
            case OpKind.Softmax: Softmax(node, context); break;
            case OpKind.Rope: Rope(node, context); break;
            case OpKind.Attention: ReferenceAttention.Execute(node, context); break;
            case OpKind.SelectOutputRows: SelectOutputRows(node, context); break;
            case OpKind.HeadMatMul: ReferenceHeadOps.HeadMatMul(node, context); break;
            case OpKind.SliceColumns: ReferenceHeadOps.SliceColumns(node, context); break;
            case OpKind.ConcatColumns: ReferenceHeadOps.ConcatColumns(node, context); break;
            case OpKind.LatentAttention: ReferenceLatentAttention.Execute(node, context); break;
            case OpKind.MoeRoute: ReferenceMoe.Route(node, context); break;
            case OpKind.ExpertMatMul: ReferenceMoe.ExpertMatMul(node, context); break;
            case OpKind.MoeCombine: ReferenceMoe.Combine(node, context); break;
            default: throw new NotSupportedException($"the reference has no op {node.Op} (node {node})");
        }
    }

    private static double Silu(double x) => x / (1 + Math.Exp(-x));

    private static void GetRows(GraphNode node, IExecutionContext context)
    {
        GraphTensor table = node.Inputs[0];
        ReadOnlySpan<int> ids = context.GetI32(node.Inputs[1]);
        Span<float> y = context.GetF32(node.Output);
        int d = checked((int)table.Columns);
        long rows = TensorRows.RowCount(table, context);
        for (int t = 0; t < ids.Length; t++)
        {
            if (ids[t] < 0 || ids[t] >= rows)
            {
                throw new ArgumentOutOfRangeException(nameof(node), ids[t], $"GetRows: id {ids[t]} of token {t} is outside table '{table.Name}' of {rows} rows");
            }

            TensorRows.Read(table, ids[t], context).CopyTo(y.Slice(t * d, d));
        }
    }

    private static void MatMul(GraphNode node, IExecutionContext context)
    {
        GraphTensor xt = node.Inputs[0];
        GraphTensor w = node.Inputs[1];
        int rows = context.Rows(xt);
        int k = checked((int)xt.Columns);
        if (w.Columns != k)
        {
            throw new InvalidOperationException($"MatMul: '{w.Name}' has {w.Columns} columns, x has {k}");
        }

        float[][] wRows = TensorRows.ReadAll(w, context);
        int n = wRows.Length;
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < n; j++)
            {
                y[(r * n) + j] = (float)Dot(x.Slice(r * k, k), wRows[j]);
            }
        }
    }

    /// <summary>Σ a[i] * b[i] over a's length, in double.</summary>
    internal static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }

    private static void RmsNorm(GraphNode node, IExecutionContext context)
    {
        GraphTensor xt = node.Inputs[0];
        int rows = context.Rows(xt);
        int d = checked((int)xt.Columns);
        double eps = node.GetParams<RmsNormParams>().Epsilon;
        float[] weight = TensorRows.Read(node.Inputs[1], 0, context);
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < rows; r++)
        {
            double sumSquares = 0;
            for (int i = 0; i < d; i++)
            {
                sumSquares += (double)x[(r * d) + i] * x[(r * d) + i];
            }

            double inverseRms = 1 / Math.Sqrt((sumSquares / d) + eps);
            for (int i = 0; i < d; i++)
            {
                y[(r * d) + i] = (float)(x[(r * d) + i] * inverseRms * weight[i]);
            }
        }
    }

    private static void Unary(GraphNode node, IExecutionContext context, Func<double, double> f)
    {
        ReadOnlySpan<float> x = context.GetF32(node.Inputs[0]);
        Span<float> y = context.GetF32(node.Output);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (float)f(x[i]);
        }
    }

    private static void Binary(GraphNode node, IExecutionContext context, Func<double, double, double> f)
    {
        ReadOnlySpan<float> a = context.GetF32(node.Inputs[0]);
        ReadOnlySpan<float> b = context.GetF32(node.Inputs[1]);
        Span<float> y = context.GetF32(node.Output);
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (float)f(a[i], b[i]);
        }
    }

    private static void Softmax(GraphNode node, IExecutionContext context)
    {
        GraphTensor xt = node.Inputs[0];
        int rows = context.Rows(xt);
        int d = checked((int)xt.Columns);
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int i = 0; i < d; i++)
            {
                max = Math.Max(max, x[(r * d) + i]);
            }

            double sum = 0;
            for (int i = 0; i < d; i++)
            {
                sum += Math.Exp(x[(r * d) + i] - max);
            }

            for (int i = 0; i < d; i++)
            {
                y[(r * d) + i] = (float)(Math.Exp(x[(r * d) + i] - max) / sum);
            }
        }
    }

    private static void Rope(GraphNode node, IExecutionContext context)
    {
        RopeParams p = node.GetParams<RopeParams>();
        GraphTensor xt = node.Inputs[0];
        int cols = checked((int)xt.Columns);
        ReadOnlySpan<float> x = context.GetF32(xt);
        ReadOnlySpan<int> positions = context.GetI32(node.Inputs[1]);
        Span<float> y = context.GetF32(node.Output);
        x.CopyTo(y);
        int half = p.RotaryDim / 2;
        for (int t = 0; t < context.Rows(xt); t++)
        {
            for (int h = 0; h < p.HeadCount; h++)
            {
                int head = (t * cols) + (h * p.HeadDim);
                for (int i = 0; i < half; i++)
                {
                    double angle = positions[t] * (double)p.InverseFrequencies[i];
                    double cos = Math.Cos(angle) * p.AttentionFactor;
                    double sin = Math.Sin(angle) * p.AttentionFactor;
                    int first = p.Style == RopeStyle.Interleaved ? head + (2 * i) : head + i;
                    int second = p.Style == RopeStyle.Interleaved ? first + 1 : first + half;
                    double x0 = x[first];
                    double x1 = x[second];
                    y[first] = (float)((x0 * cos) - (x1 * sin));
                    y[second] = (float)((x0 * sin) + (x1 * cos));
                }
            }
        }
    }

    private static void SelectOutputRows(GraphNode node, IExecutionContext context)
    {
        GraphTensor xt = node.Inputs[0];
        int d = checked((int)xt.Columns);
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> y = context.GetF32(node.Output);
        StepBatch batch = context.Batch;
        for (int o = 0; o < batch.OutputCount; o++)
        {
            int t = batch.OutputTokenIndices[o];
            if (t < 0 || t >= context.Rows(xt))
            {
                throw new InvalidOperationException($"SelectOutputRows: output {o} names token {t}, but the step has {context.Rows(xt)} tokens");
            }

            x.Slice(t * d, d).CopyTo(y.Slice(o * d, d));
        }
    }
}
