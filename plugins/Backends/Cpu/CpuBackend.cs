using System.Runtime.CompilerServices;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Ops;
using LlmFramework.Backends.Cpu.Threading;
using LlmFramework.Quantization;

namespace LlmFramework.Backends.Cpu;

/// <summary>
/// The managed CPU backend: runs every op of contract version 1.3 with vectorised kernels and a persistent worker
/// pool. Weights are used in place (never dequantised whole, except small element-wise operands such as norm
/// weights); scratch buffers belong to the backend and grow when a step needs more, so steady-state steps allocate
/// nothing in the kernels.
/// </summary>
public sealed unsafe class CpuBackend : IBackend
{
    private readonly WorkerPool _pool;
    private readonly MatMulWork _matMul = new();
    private readonly HeadMatMulKernel _headMatMul;
    private readonly ExpertMatMulKernel _expertMatMul;
    private readonly MoeRouteKernel _moeRoute = new();
    private readonly AttentionWork _attention = new();
    private readonly LatentAttentionWork _latentAttention = new();
    private readonly RopeKernel _rope = new();
    private readonly WeightFloats _weights = new();
    private readonly ConditionalWeakTable<WeightTensor, StrongBox<bool>> _finiteF16 = [];
    private bool _disposed;

    /// <summary>Creates a backend on <paramref name="device"/> with <paramref name="threads"/> threads (the caller included).</summary>
    public CpuBackend(DeviceInfo device, int threads)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Device = device;
        _pool = new WorkerPool(threads);
        _headMatMul = new HeadMatMulKernel(_matMul);
        _expertMatMul = new ExpertMatMulKernel(_matMul);
    }

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public DeviceInfo Device { get; }

    /// <summary>Threads the backend runs kernels on, the calling thread included.</summary>
    public int ThreadCount => _pool.ThreadCount;

    /// <inheritdoc />
    public OpSupport Supports(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return CpuOpSupport.Of(node);
    }

    /// <inheritdoc />
    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        int threads = context.ThreadCount > 0 ? Math.Min(context.ThreadCount, _pool.ThreadCount) : _pool.ThreadCount;
        for (int i = 0; i < nodes.Count; i++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            Run(nodes[i], context, threads);
        }
    }

    private void Run(GraphNode node, IExecutionContext context, int threads)
    {
        switch (node.Op)
        {
            case OpKind.GetRows: GetRows(node, context); break;
            case OpKind.MatMul: MatMul(node, context, threads); break;
            case OpKind.RmsNorm: RmsNorm(node, context); break;
            case OpKind.Add: ElementwiseOps.Binary<AddOp>(Input(node.Inputs[0], context), Input(node.Inputs[1], context), context.GetF32(node.Output)); break;
            case OpKind.Mul: ElementwiseOps.Binary<MultiplyOp>(Input(node.Inputs[0], context), Input(node.Inputs[1], context), context.GetF32(node.Output)); break;
            case OpKind.SwiGlu: ElementwiseOps.Binary<SwiGluOp>(Input(node.Inputs[0], context), Input(node.Inputs[1], context), context.GetF32(node.Output)); break;
            case OpKind.Silu: ElementwiseOps.WithScalar<SiluOp>(Input(node.Inputs[0], context), 0f, context.GetF32(node.Output)); break;
            case OpKind.Scale: ElementwiseOps.WithScalar<MultiplyOp>(Input(node.Inputs[0], context), node.GetParams<ScaleParams>().Factor, context.GetF32(node.Output)); break;
            case OpKind.Softmax: Softmax(node, context); break;
            case OpKind.Rope: Rope(node, context); break;
            case OpKind.Attention: _attention.Run(_pool, threads, node, context); break;
            case OpKind.SelectOutputRows: SelectOutputRows(node, context); break;
            case OpKind.HeadMatMul: HeadMatMul(node, context, threads); break;
            case OpKind.SliceColumns: ColumnCopies.Slice(node.GetParams<ColumnSliceParams>(), context.GetF32(node.Inputs[0]), checked((int)node.Inputs[0].Columns), context.GetF32(node.Output), context.Rows(node.Output)); break;
            case OpKind.ConcatColumns: Concat(node, context); break;
            case OpKind.LatentAttention: _latentAttention.Run(_pool, threads, node, context); break;
            case OpKind.MoeRoute: MoeRoute(node, context); break;
            case OpKind.ExpertMatMul: ExpertMatMul(node, context, threads); break;
            case OpKind.MoeCombine: MoeCombineKernel.Run(node.GetParams<MoeCombineParams>().ExpertsPerToken, context.GetF32(node.Inputs[0]), context.GetF32(node.Inputs[1]), context.GetF32(node.Output), checked((int)node.Output.Columns), context.Rows(node.Output)); break;
            default: throw new NotSupportedException($"the cpu backend has no kernel for op {node.Op} (node {node})");
        }
    }

    private ReadOnlySpan<float> Input(GraphTensor tensor, IExecutionContext context) =>
        tensor.Weight is { } weight ? _weights.Get(weight) : context.GetF32(tensor);

    private static void GetRows(GraphNode node, IExecutionContext context)
    {
        GraphTensor table = node.Inputs[0];
        ReadOnlySpan<int> ids = context.GetI32(node.Inputs[1]);
        Span<float> y = context.GetF32(node.Output);
        int d = checked((int)table.Columns);
        int tokens = context.Rows(node.Inputs[1]);
        long rows = table.Weight?.Rows ?? context.Rows(table);
        for (int t = 0; t < tokens; t++)
        {
            int id = ids[t];
            if (id < 0 || id >= rows)
            {
                throw new ArgumentOutOfRangeException(nameof(node), id, $"GetRows: id {id} of token {t} is outside table '{table.Name}' of {rows} rows");
            }

            Span<float> row = y.Slice(t * d, d);
            if (table.Weight is not { } weight)
            {
                context.GetF32(table).Slice(id * d, d).CopyTo(row);
                continue;
            }

            byte* source = weight.Data + (id * weight.RowBytes);
            switch (weight.Type)
            {
                case DType.F32:
                    new ReadOnlySpan<float>(source, d).CopyTo(row);
                    break;
                case DType.F16:
                case DType.BF16:
                    fixed (float* destination = row)
                    {
                        HalfVectors.ToSingle((ushort*)source, destination, d, weight.Type == DType.BF16);
                    }

                    break;
                default:
                    BlockQuantizer.Dequantize(weight.Type, new ReadOnlySpan<byte>(source, checked((int)weight.RowBytes)), row);
                    break;
            }
        }
    }

    private void MatMul(GraphNode node, IExecutionContext context, int threads)
    {
        GraphTensor xt = node.Inputs[0];
        WeightTensor w = node.Inputs[1].Weight ?? throw new NotSupportedException($"MatMul: '{node.Inputs[1].Name}' is not a bound weight");
        int k = checked((int)w.Columns);
        if (xt.Columns != k)
        {
            throw new InvalidOperationException($"MatMul: '{w.Name}' has {w.Columns} columns, x has {xt.Columns}");
        }

        int rows = context.Rows(xt);
        fixed (float* x = Input(xt, context))
        fixed (float* y = context.GetF32(node.Output))
        {
            _matMul.Run(_pool, threads, w.Data, w.Type, checked((int)w.Rows), k, x, rows, y, w.Type == DType.F16 && IsFiniteF16(w));
        }
    }

    private void HeadMatMul(GraphNode node, IExecutionContext context, int threads)
    {
        WeightTensor? w = node.Inputs[1].Weight;
        _headMatMul.Run(_pool, threads, node, Input(node.Inputs[0], context), context.GetF32(node.Output), context.Rows(node.Output), w is { Type: DType.F16 } && IsFiniteF16(w));
    }

    private void ExpertMatMul(GraphNode node, IExecutionContext context, int threads)
    {
        WeightTensor? w = node.Inputs[2].Weight;
        ReadOnlySpan<float> routes = context.GetF32(node.Inputs[1]);
        // With an expert store the stacked weight is not scanned for infinities: that would read (and map) every expert.
        IExpertWeights? experts = context.ExpertWeights;
        _expertMatMul.Run(_pool, threads, node, Input(node.Inputs[0], context), routes, context.GetF32(node.Output), context.Rows(node.Output), experts is null && w is { Type: DType.F16 } && IsFiniteF16(w), experts);
    }

    private void MoeRoute(GraphNode node, IExecutionContext context)
    {
        ReadOnlySpan<float> bias = node.Inputs.Count > 1 ? Input(node.Inputs[1], context) : [];
        _moeRoute.Run(node.GetParams<MoeRouteParams>(), context.GetF32(node.Inputs[0]), bias, context.GetF32(node.Output), context.Rows(node.Output));
    }

    private static void Concat(GraphNode node, IExecutionContext context)
    {
        GraphTensor a = node.Inputs[0];
        GraphTensor b = node.Inputs[1];
        int heads = node.GetParams<ConcatColumnsParams>().HeadCount;
        ColumnCopies.Concat(heads, context.GetF32(a), checked((int)a.Columns), context.GetF32(b), checked((int)b.Columns), context.GetF32(node.Output), context.Rows(node.Output));
    }

    /// <summary>Whether an F16 weight holds no infinity/NaN, scanned once on first use and remembered.</summary>
    private bool IsFiniteF16(WeightTensor w)
    {
        return _finiteF16.GetValue(w, static t => new StrongBox<bool>(!HalfVectors.HasInfinityOrNaN((ushort*)t.Data, t.ByteLength / 2))).Value;
    }

    private void RmsNorm(GraphNode node, IExecutionContext context)
    {
        GraphTensor xt = node.Inputs[0];
        int rows = context.Rows(xt);
        int d = checked((int)xt.Columns);
        float eps = node.GetParams<RmsNormParams>().Epsilon;
        ReadOnlySpan<float> x = Input(xt, context);
        ReadOnlySpan<float> weight = Input(node.Inputs[1], context)[..d];
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * d, d);
            Span<float> yr = y.Slice(r * d, d);
            float inverseRms = (float)(1 / Math.Sqrt((Reductions.SumOfSquares(xr) / (double)d) + eps));
            ElementwiseOps.WithScalar<MultiplyOp>(xr, inverseRms, yr);
            ElementwiseOps.Binary<MultiplyOp>(yr, weight, yr);
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
            ReadOnlySpan<float> xr = x.Slice(r * d, d);
            Span<float> yr = y.Slice(r * d, d);
            ElementwiseOps.WithScalar<ExpSubtractOp>(xr, Reductions.Max(xr), yr);
            ElementwiseOps.WithScalar<MultiplyOp>(yr, 1f / Reductions.Sum(yr), yr);
        }
    }

    private void Rope(GraphNode node, IExecutionContext context)
    {
        GraphTensor xt = node.Inputs[0];
        _rope.Run(node.GetParams<RopeParams>(), context.GetF32(xt), context.GetI32(node.Inputs[1]), context.GetF32(node.Output), context.Rows(xt));
    }

    private static void SelectOutputRows(GraphNode node, IExecutionContext context)
    {
        GraphTensor xt = node.Inputs[0];
        int d = checked((int)xt.Columns);
        int tokens = context.Rows(xt);
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> y = context.GetF32(node.Output);
        StepBatch batch = context.Batch;
        for (int o = 0; o < batch.OutputCount; o++)
        {
            int t = batch.OutputTokenIndices[o];
            if (t < 0 || t >= tokens)
            {
                throw new InvalidOperationException($"SelectOutputRows: output {o} names token {t}, but the step has {tokens} tokens");
            }

            x.Slice(t * d, d).CopyTo(y.Slice(o * d, d));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _pool.Dispose();
        }
    }
}
