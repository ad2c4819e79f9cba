using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Backends.Torch.Ops;

/// <summary>
/// The tensors of one <c>Execute</c> call: an activation produced earlier in the partition is used from the device as
/// it is; one from an earlier partition is uploaded from the context once; a weight comes from the
/// <see cref="WeightCache"/>. Every result is also copied to the context at once: later partitions (and the
/// Attention op's KV-cache writes, which go to host memory) read it there.
/// </summary>
internal sealed class PartitionValues
{
    private readonly Dictionary<GraphTensor, Tensor> _values = new(ReferenceEqualityComparer.Instance);
    private readonly WeightCache _weights;
    private readonly Device _device;
    private IExecutionContext? _context;

    public PartitionValues(WeightCache weights, Device device)
    {
        _weights = weights;
        _device = device;
    }

    /// <summary>The context of the partition being run.</summary>
    public IExecutionContext Context => _context ?? throw new InvalidOperationException("no partition is being run");

    /// <summary>Starts a partition (forgets the previous one's tensors, which its dispose scope has freed).</summary>
    public void Begin(IExecutionContext context)
    {
        _values.Clear();
        _context = context;
    }

    /// <summary>Ends the partition.</summary>
    public void End()
    {
        _values.Clear();
        _context = null;
    }

    /// <summary>The value of <paramref name="tensor"/> as an F32 tensor [rows, columns] on the device.</summary>
    public Tensor Get(GraphTensor tensor)
    {
        if (tensor.Weight is { } weight)
        {
            return _weights.Get(weight);
        }

        if (!_values.TryGetValue(tensor, out Tensor? value))
        {
            IExecutionContext context = Context;
            value = HostTransfer.Upload(context.GetF32(tensor), context.Rows(tensor), tensor.Columns, _device);
            _values.Add(tensor, value);
        }

        return value;
    }

    /// <summary>Records <paramref name="value"/> as the result of <paramref name="tensor"/> and writes it to the context.</summary>
    public void Set(GraphTensor tensor, Tensor value)
    {
        IExecutionContext context = Context;
        long rows = context.Rows(tensor);
        if (value.ndim != 2 || value.shape[0] != rows || value.shape[1] != tensor.Columns)
        {
            throw new InvalidOperationException($"the torch backend computed shape [{string.Join(", ", value.shape)}] for {tensor}, which has [{rows}, {tensor.Columns}] in this step");
        }

        HostTransfer.Download(value, context.GetF32(tensor));
        _values[tensor] = value;
    }
}
