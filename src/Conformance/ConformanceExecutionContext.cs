using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance;

/// <summary>
/// A standalone <see cref="IExecutionContext"/> in host memory, for running graph nodes outside the engine (the
/// conformance suite uses one per run; backend authors can use it in their own tests). Each F32 activation gets a
/// zero-filled array of <c>Rows(tensor) * Columns</c> values the first time it is asked for; the step inputs
/// (token ids, positions) are the first <see cref="StepBatch.TokenCount"/> entries of the batch's arrays.
/// Safe to call from a backend's worker threads.
/// </summary>
public sealed class ConformanceExecutionContext : IExecutionContext
{
    private readonly Dictionary<GraphTensor, float[]> _activations = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _allocationLock = new();

    /// <summary>Creates a context for one step.</summary>
    /// <param name="batch">The step's tokens and sequences.</param>
    /// <param name="kvCache">The KV cache the step reads and writes (e.g. a <see cref="HostKvCache"/>).</param>
    /// <param name="threadCount">Worker threads a backend may use (at least 1).</param>
    /// <param name="cancellationToken">Cancellation of the step.</param>
    public ConformanceExecutionContext(StepBatch batch, IKvCache kvCache, int threadCount = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(kvCache);
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        Batch = batch;
        KvCache = kvCache;
        ThreadCount = threadCount;
        CancellationToken = cancellationToken;
    }

    /// <inheritdoc />
    public StepBatch Batch { get; }

    /// <inheritdoc />
    public IKvCache KvCache { get; }

    /// <inheritdoc />
    public int ThreadCount { get; }

    /// <inheritdoc />
    public CancellationToken CancellationToken { get; }

    /// <inheritdoc />
    public int Rows(GraphTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.RowSpace switch
        {
            RowSpace.Fixed => checked((int)tensor.FixedRows),
            RowSpace.Tokens => Batch.TokenCount,
            RowSpace.Outputs => Batch.OutputCount,
            _ => throw new ArgumentOutOfRangeException(nameof(tensor), tensor.RowSpace, $"tensor {tensor} has an unknown row space"),
        };
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The tensor is not an F32 activation.</exception>
    public Span<float> GetF32(GraphTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Role != TensorRole.Activation || tensor.Type != DType.F32)
        {
            throw new InvalidOperationException($"tensor {tensor} is not an F32 activation; weights are read through GraphTensor.Weight and step inputs through GetI32");
        }

        lock (_allocationLock)
        {
            if (!_activations.TryGetValue(tensor, out float[]? values))
            {
                values = new float[checked(Rows(tensor) * (int)tensor.Columns)];
                _activations.Add(tensor, values);
            }

            return values;
        }
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The tensor is not a step input.</exception>
    public ReadOnlySpan<int> GetI32(GraphTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.Role switch
        {
            TensorRole.TokenIds => Batch.TokenIds.AsSpan(0, Batch.TokenCount),
            TensorRole.Positions => Batch.Positions.AsSpan(0, Batch.TokenCount),
            _ => throw new InvalidOperationException($"tensor {tensor} is not an I32 step input (token ids or positions)"),
        };
    }
}
