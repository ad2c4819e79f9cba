using Contoso.LlmBackend.Kernels;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace Contoso.LlmBackend;

/// <summary>
/// The "contoso" backend: MatMul with F32 and F16 weights, RmsNorm (F32 or F16 weight) and the element-wise ops
/// Add, Mul, SwiGlu, Silu, Scale and Softmax, with Vector256 kernels on the calling thread. Everything else
/// (quantised weights, GetRows, Rope, Attention, SelectOutputRows) is declined in <see cref="Supports"/> with the
/// reason, and the engine runs those nodes on the next backend in the preference list (the CPU backend).
/// </summary>
public sealed unsafe class ContosoBackend : IBackend
{
    private float[] _rowScratch = new float[256];
    private bool _disposed;

    /// <summary>Creates a backend on <paramref name="device"/>.</summary>
    public ContosoBackend(DeviceInfo device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
    }

    /// <inheritdoc />
    public string Name => ContosoBackendFactory.BackendName;

    /// <inheritdoc />
    public DeviceInfo Device { get; }

    /// <inheritdoc />
    public OpSupport Supports(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        switch (node.Op)
        {
            case OpKind.MatMul:
                GraphTensor w = node.Inputs[1];
                if (w.Weight is null)
                {
                    return OpSupport.No($"contoso runs MatMul against bound weights only; '{w.Name}' is an activation");
                }

                return w.Type is DType.F32 or DType.F16
                    ? ActivationsOnly(node, first: 1)
                    : OpSupport.No($"contoso runs MatMul on F32 and F16 weights only; '{w.Name}' is {DTypeInfo.Name(w.Type)}");
            case OpKind.RmsNorm:
                if (node.Params is not RmsNormParams)
                {
                    return OpSupport.No("RmsNorm needs RmsNormParams");
                }

                return node.Inputs[1].Type is DType.F32 or DType.F16
                    ? ActivationsOnly(node, first: 1)
                    : OpSupport.No($"contoso's RmsNorm takes an F32 or F16 weight; '{node.Inputs[1].Name}' is {DTypeInfo.Name(node.Inputs[1].Type)}");
            case OpKind.Scale:
                return node.Params is ScaleParams ? ActivationsOnly(node, first: 1) : OpSupport.No("Scale needs ScaleParams");
            case OpKind.Add:
            case OpKind.Mul:
            case OpKind.SwiGlu:
                return ActivationsOnly(node, first: 2);
            case OpKind.Silu:
            case OpKind.Softmax:
                return ActivationsOnly(node, first: 1);
            case OpKind.GetRows:
            case OpKind.Rope:
            case OpKind.Attention:
            case OpKind.SelectOutputRows:
                return OpSupport.No($"the contoso sample does not implement {node.Op}");
            default:
                // Contract 1.2 added MLA and mixture-of-experts ops; the engine runs what a backend declines on the CPU backend.
                return OpSupport.No($"the contoso sample does not implement {node.Op}");
        }
    }

    /// <summary>Yes when the node's first <paramref name="first"/> inputs are F32 activations (contoso reads weights only where it says so).</summary>
    private static OpSupport ActivationsOnly(GraphNode node, int first)
    {
        for (int i = 0; i < first; i++)
        {
            GraphTensor input = node.Inputs[i];
            if (input.Role != TensorRole.Activation || input.Type != DType.F32)
            {
                return OpSupport.No($"contoso's {node.Op} reads F32 activations; input {i} '{input.Name}' is a {input.Role} of {DTypeInfo.Name(input.Type)}");
            }
        }

        return OpSupport.Yes;
    }

    /// <inheritdoc />
    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (GraphNode node in nodes)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            Run(node, context);
        }
    }

    private void Run(GraphNode node, IExecutionContext context)
    {
        // Contract 1.0: every activation is F32 in host memory, node.Output's span is ours to fill and the inputs'
        // spans must stay unchanged. A device backend would copy inputs in and the output back here.
        Span<float> y = context.GetF32(node.Output);
        switch (node.Op)
        {
            case OpKind.MatMul: MatMul(node, context, y); break;
            case OpKind.RmsNorm: RmsNorm(node, context, y); break;
            case OpKind.Add: ElementwiseKernels.Add(context.GetF32(node.Inputs[0]), context.GetF32(node.Inputs[1]), y); break;
            case OpKind.Mul: ElementwiseKernels.Multiply(context.GetF32(node.Inputs[0]), context.GetF32(node.Inputs[1]), y); break;
            case OpKind.SwiGlu: ElementwiseKernels.SwiGlu(context.GetF32(node.Inputs[0]), context.GetF32(node.Inputs[1]), y); break;
            case OpKind.Silu: ElementwiseKernels.Silu(context.GetF32(node.Inputs[0]), y); break;
            case OpKind.Scale: ElementwiseKernels.Scale(context.GetF32(node.Inputs[0]), node.GetParams<ScaleParams>().Factor, y); break;
            case OpKind.Softmax: RowKernels.Softmax(context.GetF32(node.Inputs[0]), checked((int)node.Inputs[0].Columns), y); break;
            default: throw new NotSupportedException($"the contoso backend was given node {node}, which its Supports declined");
        }
    }

    private void MatMul(GraphNode node, IExecutionContext context, Span<float> y)
    {
        GraphTensor xt = node.Inputs[0];
        WeightTensor w = node.Inputs[1].Weight!;
        int k = checked((int)w.Columns);
        int n = checked((int)w.Rows);
        if (xt.Columns != k)
        {
            throw new InvalidOperationException($"MatMul {node.Output.Name}: weight '{w.Name}' has {k} columns but x has {xt.Columns}");
        }

        int rows = context.Rows(xt);
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> row = w.Type == DType.F16 ? Scratch(k) : default;

        // Weight row outermost: each weight row is read (and for F16 widened) once per call, for all activation rows.
        for (int j = 0; j < n; j++)
        {
            ReadOnlySpan<float> wRow;
            if (w.Type == DType.F32)
            {
                wRow = new ReadOnlySpan<float>(w.Data + ((long)j * w.RowBytes), k);
            }
            else
            {
                HalfConverter.ToSingle(new ReadOnlySpan<ushort>(w.Data + ((long)j * w.RowBytes), k), row);
                wRow = row;
            }

            for (int r = 0; r < rows; r++)
            {
                y[(r * n) + j] = DotKernel.Dot(x.Slice(r * k, k), wRow);
            }
        }
    }

    private void RmsNorm(GraphNode node, IExecutionContext context, Span<float> y)
    {
        GraphTensor xt = node.Inputs[0];
        GraphTensor wt = node.Inputs[1];
        int d = checked((int)xt.Columns);
        if (wt.Columns != d)
        {
            throw new InvalidOperationException($"RmsNorm {node.Output.Name}: weight '{wt.Name}' has {wt.Columns} values but rows have {d}");
        }

        ReadOnlySpan<float> weight = WeightOrActivationRow(wt, context, d);
        RowKernels.RmsNorm(context.GetF32(xt), weight, node.GetParams<RmsNormParams>().Epsilon, y);
    }

    /// <summary>The first row of <paramref name="tensor"/> as F32: a bound weight read in place (F32) or widened into scratch (F16), or an activation.</summary>
    private ReadOnlySpan<float> WeightOrActivationRow(GraphTensor tensor, IExecutionContext context, int length)
    {
        if (tensor.Weight is not { } weight)
        {
            return context.GetF32(tensor)[..length];
        }

        if (weight.Type == DType.F32)
        {
            return new ReadOnlySpan<float>(weight.Data, length);
        }

        Span<float> row = Scratch(length);
        HalfConverter.ToSingle(new ReadOnlySpan<ushort>(weight.Data, length), row);
        return row;
    }

    /// <summary>A reusable buffer of <paramref name="length"/> floats (grown, never shrunk, so steady-state steps allocate nothing).</summary>
    private Span<float> Scratch(int length)
    {
        if (_rowScratch.Length < length)
        {
            _rowScratch = new float[Math.Max(length, _rowScratch.Length * 2)];
        }

        return _rowScratch.AsSpan(0, length);
    }

    /// <inheritdoc />
    public void Dispose() => _disposed = true;
}
