using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Torch.Devices;
using LlmFramework.Backends.Torch.Ops;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Backends.Torch;

/// <summary>
/// Runs every op of contract version 1.0 (not yet the MLA and MoE ops of 1.2) with libtorch (TorchSharp) on one device,
/// the CPU or a CUDA GPU. Activations are F32 in host memory (contract 1.0): a partition's inputs are copied to the
/// device once, results stay there for the partition's later nodes and each is copied back to the host as soon as it is
/// computed. Weights of every dtype are decoded to F32 once and cached on the device; the KV cache stays in host
/// memory.
/// </summary>
public sealed class TorchBackend : IBackend
{
    private readonly torch.Device _device;
    private readonly WeightCache _weights;
    private readonly PartitionValues _values;
    private readonly RopeOp _rope;
    private readonly AttentionOp _attention;
    private readonly int _threads;
    private bool _disposed;

    internal TorchBackend(TorchDeviceChoice device, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _device = device.Device;
        _threads = threads;
        Device = device.Info;
        FallbackReason = device.FallbackReason;
        _weights = new WeightCache(_device);
        _values = new PartitionValues(_weights, _device);
        _rope = new RopeOp(_device);
        _attention = new AttentionOp(_device);
    }

    /// <inheritdoc />
    public string Name => TorchBackendFactory.BackendName;

    /// <inheritdoc />
    public DeviceInfo Device { get; }

    /// <summary>Why this backend runs on the CPU although a CUDA device was configured (the fallback); null otherwise.</summary>
    public string? FallbackReason { get; }

    /// <summary>Intra-op threads libtorch uses on the CPU (a process-wide libtorch setting, applied at each Execute).</summary>
    public int ThreadCount => _threads;

    /// <inheritdoc />
    /// <remarks>
    /// Every op of contract version 1.0 with every weight type; only malformed nodes are declined. The ops added in
    /// 1.2 (MLA and mixture of experts) are declined with a reason, so the engine places them on the CPU backend.
    /// </remarks>
    public OpSupport Supports(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        string? refusal = node.Op switch
        {
            OpKind.GetRows or OpKind.MatMul when node.Inputs[node.Op == OpKind.GetRows ? 0 : 1].Type == DType.I32 => $"{node.Op} of an I32 tensor is not defined",
            OpKind.RmsNorm => MissingParams<RmsNormParams>(node),
            OpKind.Scale => MissingParams<ScaleParams>(node),
            OpKind.Rope => MissingParams<RopeParams>(node),
            // k and v are stored into the host KV cache from host memory, so they must be activations.
            OpKind.Attention => MissingParams<AttentionParams>(node) ?? (node.Inputs.Any(i => i.Weight is not null) ? "torch Attention takes activations, not bound weights" : null),
            OpKind.GetRows or OpKind.MatMul or OpKind.Add or OpKind.Mul or OpKind.Silu or OpKind.SwiGlu or OpKind.Softmax or OpKind.SelectOutputRows => null,
            OpKind.HeadMatMul or OpKind.SliceColumns or OpKind.ConcatColumns or OpKind.LatentAttention or OpKind.MoeRoute or OpKind.ExpertMatMul or OpKind.MoeCombine =>
                $"the torch backend has no {node.Op} kernel yet (contract 1.2 op); the engine runs it on the CPU backend",
            _ => $"op {node.Op} is not part of contract version 1.2",
        };
        return refusal is null ? OpSupport.Yes : OpSupport.No(refusal);
    }

    private static string? MissingParams<T>(GraphNode node)
        where T : OpParams
        => node.Params is T ? null : $"{node.Op} needs {typeof(T).Name}";

    /// <inheritdoc />
    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        set_num_threads(context.ThreadCount > 0 ? Math.Min(context.ThreadCount, _threads) : _threads);
        using IDisposable noGrad = no_grad();
        using DisposeScope scope = NewDisposeScope();
        _values.Begin(context);
        _rope.Reset();
        try
        {
            foreach (GraphNode node in nodes)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                _values.Set(node.Output, Run(node, context));
            }
        }
        finally
        {
            _values.End();
            _rope.Reset();
        }
    }

    private Tensor Run(GraphNode node, IExecutionContext context) => node.Op switch
    {
        OpKind.GetRows => GetRows(node, context),
        OpKind.MatMul => nn.functional.linear(In(node, 0), In(node, 1)),
        OpKind.RmsNorm => RmsNorm(In(node, 0), In(node, 1), node.GetParams<RmsNormParams>().Epsilon),
        OpKind.Add => In(node, 0) + In(node, 1),
        OpKind.Mul => In(node, 0) * In(node, 1),
        OpKind.Silu => nn.functional.silu(In(node, 0)),
        OpKind.SwiGlu => nn.functional.silu(In(node, 0)) * In(node, 1),
        OpKind.Softmax => In(node, 0).softmax(-1),
        OpKind.Scale => In(node, 0) * node.GetParams<ScaleParams>().Factor,
        OpKind.Rope => _rope.Apply(node.GetParams<RopeParams>(), In(node, 0), context.GetI32(node.Inputs[1])),
        OpKind.Attention => _attention.Run(node, _values),
        OpKind.SelectOutputRows => SelectOutputRows(node, context),
        _ => throw new NotSupportedException($"the torch backend has no kernel for op {node.Op} (node {node})"),
    };

    private Tensor In(GraphNode node, int input) => _values.Get(node.Inputs[input]);

    /// <summary>x / sqrt(mean(x²) + eps) · w, the mean of squares in float64 so that x² cannot overflow.</summary>
    private static Tensor RmsNorm(Tensor x, Tensor weight, float epsilon)
    {
        using Tensor meanSquare = x.to_type(ScalarType.Float64).square().mean([-1], keepdim: true);
        using Tensor inverse = (meanSquare + (double)epsilon).rsqrt().to_type(ScalarType.Float32);
        return x * inverse * weight;
    }

    private Tensor GetRows(GraphNode node, IExecutionContext context)
    {
        GraphTensor table = node.Inputs[0];
        ReadOnlySpan<int> ids = context.GetI32(node.Inputs[1])[..context.Rows(node.Inputs[1])];
        long rows = table.Weight?.Rows ?? context.Rows(table);
        for (int t = 0; t < ids.Length; t++)
        {
            if (ids[t] < 0 || ids[t] >= rows)
            {
                throw new ArgumentOutOfRangeException(nameof(node), ids[t], $"GetRows: id {ids[t]} of token {t} is outside table '{table.Name}' of {rows} rows");
            }
        }

        using Tensor index = HostTransfer.UploadIndices(ids, _device);
        return _values.Get(table).index_select(0, index);
    }

    private Tensor SelectOutputRows(GraphNode node, IExecutionContext context)
    {
        GraphTensor x = node.Inputs[0];
        int tokens = context.Rows(x);
        StepBatch batch = context.Batch;
        ReadOnlySpan<int> picked = batch.OutputTokenIndices.AsSpan(0, batch.OutputCount);
        for (int o = 0; o < picked.Length; o++)
        {
            if (picked[o] < 0 || picked[o] >= tokens)
            {
                throw new InvalidOperationException($"SelectOutputRows: output {o} names token {picked[o]}, but the step has {tokens} tokens");
            }
        }

        using Tensor index = HostTransfer.UploadIndices(picked, _device);
        return _values.Get(x).index_select(0, index);
    }

    /// <inheritdoc />
    /// <remarks>Frees the cached device weights now.</remarks>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _weights.Dispose();
        }
    }
}
