using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Backends.Cpu.Tests.Support;

/// <summary>Host arrays for every tensor of one step, sized from the batch (activations allocated on first use).</summary>
internal sealed class TestExecutionContext : IExecutionContext
{
    private readonly Dictionary<int, float[]> _values = [];

    public TestExecutionContext(StepBatch batch, IKvCache? kvCache = null, int threadCount = 0)
    {
        Batch = batch;
        KvCache = kvCache ?? new TestKvCache(new KvCacheLayout(0, [], 0), 1, 0);
        ThreadCount = threadCount;
    }

    public StepBatch Batch { get; }

    public IKvCache KvCache { get; }

    public int ThreadCount { get; }

    public CancellationToken CancellationToken { get; init; }

    public int Rows(GraphTensor tensor) => tensor.RowSpace switch
    {
        RowSpace.Tokens => Batch.TokenCount,
        RowSpace.Outputs => Batch.OutputCount,
        _ => checked((int)(tensor.Weight?.Rows ?? tensor.FixedRows)),
    };

    public Span<float> GetF32(GraphTensor tensor)
    {
        if (!_values.TryGetValue(tensor.Id, out float[]? values))
        {
            values = new float[Rows(tensor) * tensor.Columns];
            _values.Add(tensor.Id, values);
        }

        return values;
    }

    public ReadOnlySpan<int> GetI32(GraphTensor tensor) => tensor.Role switch
    {
        TensorRole.TokenIds => Batch.TokenIds.AsSpan(0, Batch.TokenCount),
        TensorRole.Positions => Batch.Positions.AsSpan(0, Batch.TokenCount),
        _ => throw new InvalidOperationException($"{tensor} is not an I32 step input"),
    };

    /// <summary>Sets an activation's values.</summary>
    public void Set(GraphTensor tensor, float[] values)
    {
        Assert.Equal(Rows(tensor) * tensor.Columns, values.Length);
        _values[tensor.Id] = values;
    }
}
