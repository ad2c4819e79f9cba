using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Conformance.Tests;

/// <summary>
/// A plausible fast backend, written plainly: everything in F32 (float sums, MathF, F32 rope angles, online-softmax
/// attention) and MatMul activations rounded the way ggml's CPU backend rounds them: to F16 for F16 weights, to BF16
/// for BF16 weights, to Q8 blocks of 32 (F16 scale) for Q8_0/Q4_0 and of 256 (F32 scale) for the K-quants. The
/// suite's tolerances must let it pass.
/// </summary>
internal sealed class SinglePrecisionBackend : IBackend
{
    public string Name => "single-precision";

    public DeviceInfo Device { get; } = new("host", DeviceKind.Cpu, 0, "F32 arithmetic, ggml-style activation rounding");

    public OpSupport Supports(GraphNode node) => OpSupport.Yes;

    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        foreach (GraphNode node in nodes)
        {
            switch (node.Op)
            {
                case OpKind.MatMul: MatMul(node, context); break;
                case OpKind.RmsNorm: RmsNorm(node, context); break;
                case OpKind.Softmax: Softmax(node, context); break;
                case OpKind.Silu: Map(node, context, x => x / (1 + MathF.Exp(-x))); break;
                case OpKind.Rope: Rope(node, context); break;
                case OpKind.Attention: Attention(node, context); break;
                default: ReferenceOps.Execute(node, context); break;
            }
        }
    }

    public void Dispose()
    {
    }

    private static void MatMul(GraphNode node, IExecutionContext context)
    {
        WeightTensor w = node.Inputs[1].Weight!;
        int k = (int)w.Columns;
        int n = (int)w.Rows;
        ReadOnlySpan<float> x = context.GetF32(node.Inputs[0]);
        Span<float> y = context.GetF32(node.Output);
        var wRow = new float[k];
        var xRow = new float[k];
        for (int r = 0; r < context.Rows(node.Inputs[0]); r++)
        {
            RoundActivations(w.Type, x.Slice(r * k, k), xRow);
            for (int j = 0; j < n; j++)
            {
                BlockQuantizer.Dequantize(w.Type, w.Row(j), wRow);
                float sum = 0;
                for (int i = 0; i < k; i++)
                {
                    sum += xRow[i] * wRow[i];
                }

                y[(r * n) + j] = sum;
            }
        }
    }

    private static void RoundActivations(DType type, ReadOnlySpan<float> x, Span<float> rounded)
    {
        switch (type)
        {
            case DType.F16:
                for (int i = 0; i < x.Length; i++)
                {
                    rounded[i] = (float)(Half)x[i];
                }

                break;
            case DType.BF16:
                for (int i = 0; i < x.Length; i++)
                {
                    rounded[i] = HalfConversion.BF16ToSingle(HalfConversion.SingleToBF16(x[i]));
                }

                break;
            case DType.Q8_0 or DType.Q4_0:
                BlockQuantizer.Dequantize(DType.Q8_0, BlockQuantizer.Quantize(DType.Q8_0, x), rounded);
                break;
            case DType.Q4_K or DType.Q6_K:
                for (int b = 0; b < x.Length; b += 256)
                {
                    float amax = 0;
                    for (int i = b; i < b + 256; i++)
                    {
                        amax = MathF.Max(amax, MathF.Abs(x[i]));
                    }

                    float d = amax / 127;
                    for (int i = b; i < b + 256; i++)
                    {
                        rounded[i] = d == 0 ? 0 : MathF.Round(x[i] / d) * d;
                    }
                }

                break;
            default:
                x.CopyTo(rounded);
                break;
        }
    }

    private static void RmsNorm(GraphNode node, IExecutionContext context)
    {
        int d = (int)node.Inputs[0].Columns;
        float eps = node.GetParams<RmsNormParams>().Epsilon;
        var weight = new float[d];
        BlockQuantizer.Dequantize(node.Inputs[1].Weight!.Type, node.Inputs[1].Weight!.Row(0), weight);
        ReadOnlySpan<float> x = context.GetF32(node.Inputs[0]);
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < context.Rows(node.Inputs[0]); r++)
        {
            float sum = 0;
            for (int i = 0; i < d; i++)
            {
                sum += x[(r * d) + i] * x[(r * d) + i];
            }

            float scale = 1 / MathF.Sqrt((sum / d) + eps);
            for (int i = 0; i < d; i++)
            {
                y[(r * d) + i] = x[(r * d) + i] * scale * weight[i];
            }
        }
    }

    private static void Softmax(GraphNode node, IExecutionContext context)
    {
        int d = (int)node.Inputs[0].Columns;
        ReadOnlySpan<float> x = context.GetF32(node.Inputs[0]);
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < context.Rows(node.Inputs[0]); r++)
        {
            float max = float.NegativeInfinity;
            for (int i = 0; i < d; i++)
            {
                max = MathF.Max(max, x[(r * d) + i]);
            }

            float sum = 0;
            for (int i = 0; i < d; i++)
            {
                y[(r * d) + i] = MathF.Exp(x[(r * d) + i] - max);
                sum += y[(r * d) + i];
            }

            for (int i = 0; i < d; i++)
            {
                y[(r * d) + i] /= sum;
            }
        }
    }

    private static void Map(GraphNode node, IExecutionContext context, Func<float, float> f)
    {
        ReadOnlySpan<float> x = context.GetF32(node.Inputs[0]);
        Span<float> y = context.GetF32(node.Output);
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = f(x[i]);
        }
    }

    private static void Rope(GraphNode node, IExecutionContext context)
    {
        RopeParams p = node.GetParams<RopeParams>();
        int cols = (int)node.Inputs[0].Columns;
        ReadOnlySpan<float> x = context.GetF32(node.Inputs[0]);
        ReadOnlySpan<int> positions = context.GetI32(node.Inputs[1]);
        Span<float> y = context.GetF32(node.Output);
        x.CopyTo(y);
        int half = p.RotaryDim / 2;
        for (int t = 0; t < positions.Length; t++)
        {
            for (int h = 0; h < p.HeadCount; h++)
            {
                for (int i = 0; i < half; i++)
                {
                    float angle = positions[t] * p.InverseFrequencies[i];
                    float cos = MathF.Cos(angle) * p.AttentionFactor;
                    float sin = MathF.Sin(angle) * p.AttentionFactor;
                    int a = (t * cols) + (h * p.HeadDim) + (p.Style == RopeStyle.Interleaved ? 2 * i : i);
                    int b = a + (p.Style == RopeStyle.Interleaved ? 1 : half);
                    y[a] = (x[a] * cos) - (x[b] * sin);
                    y[b] = (x[a] * sin) + (x[b] * cos);
                }
            }
        }
    }

    private static void Attention(GraphNode node, IExecutionContext context)
    {
        AttentionParams p = node.GetParams<AttentionParams>();
        IKvCache cache = context.KvCache;
        StepBatch batch = context.Batch;
        int kw = p.KvHeadCount * p.KeyDim;
        int vw = p.KvHeadCount * p.ValueDim;
        ReadOnlySpan<float> q = context.GetF32(node.Inputs[0]);
        ReadOnlySpan<float> k = context.GetF32(node.Inputs[1]);
        ReadOnlySpan<float> v = context.GetF32(node.Inputs[2]);
        Span<float> y = context.GetF32(node.Output);
        Span<float> Row(int t, int stream, int position, int width)
        {
            int[] table = batch.Sequences[batch.SequenceOfToken[t]].BlockTable;
            return cache.GetBlock(p.Layer, stream, table[position / cache.BlockSize]).Slice(position % cache.BlockSize * width, width);
        }

        for (int t = 0; t < batch.TokenCount; t++)
        {
            k.Slice(t * kw, kw).CopyTo(Row(t, 0, batch.Positions[t], kw));
            v.Slice(t * vw, vw).CopyTo(Row(t, 1, batch.Positions[t], vw));
        }

        var acc = new float[p.ValueDim];
        for (int t = 0; t < batch.TokenCount; t++)
        {
            for (int h = 0; h < p.HeadCount; h++)
            {
                int kvHead = h / (p.HeadCount / p.KvHeadCount);
                float max = float.NegativeInfinity, sum = 0;
                Array.Clear(acc);
                for (int j = 0; j <= batch.Positions[t]; j++)
                {
                    Span<float> kj = Row(t, 0, j, kw).Slice(kvHead * p.KeyDim, p.KeyDim);
                    float s = 0;
                    for (int i = 0; i < p.KeyDim; i++)
                    {
                        s += q[(((t * p.HeadCount) + h) * p.KeyDim) + i] * kj[i];
                    }

                    s *= p.Scale;
                    float newMax = MathF.Max(max, s);
                    float correction = MathF.Exp(max - newMax);
                    float weight = MathF.Exp(s - newMax);
                    Span<float> vj = Row(t, 1, j, vw).Slice(kvHead * p.ValueDim, p.ValueDim);
                    for (int i = 0; i < p.ValueDim; i++)
                    {
                        acc[i] = (acc[i] * correction) + (weight * vj[i]);
                    }

                    sum = (sum * correction) + weight;
                    max = newMax;
                }

                for (int i = 0; i < p.ValueDim; i++)
                {
                    y[(((t * p.HeadCount) + h) * p.ValueDim) + i] = acc[i] / sum;
                }
            }
        }
    }
}
