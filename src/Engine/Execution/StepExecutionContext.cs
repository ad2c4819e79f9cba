using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Engine.Execution;

/// <summary>The engine's <see cref="IExecutionContext"/>: activations in an <see cref="ActivationArena"/>, step inputs from the batch.</summary>
internal sealed class StepExecutionContext : IExecutionContext
{
    private readonly ActivationArena _arena;

    public StepExecutionContext(ActivationArena arena, IKvCache kvCache, int threads)
    {
        _arena = arena;
        KvCache = kvCache;
        ThreadCount = threads;
        Batch = new StepBatch(0);
    }

    public StepBatch Batch { get; set; }

    public IKvCache KvCache { get; }

    public int ThreadCount { get; }

    public CancellationToken CancellationToken { get; set; }

    public IExpertWeights? ExpertWeights { get; set; }

    public int Rows(GraphTensor tensor) => tensor.RowSpace switch
    {
        RowSpace.Tokens => Batch.TokenCount,
        RowSpace.Outputs => Batch.OutputCount,
        _ => checked((int)tensor.FixedRows),
    };

    public Span<float> GetF32(GraphTensor tensor)
    {
        if (tensor.Role != TensorRole.Activation)
        {
            throw new InvalidOperationException($"{tensor} is not an F32 activation");
        }

        return _arena.BufferOf(tensor).AsSpan(0, checked((int)(Rows(tensor) * tensor.Columns)));
    }

    public ReadOnlySpan<int> GetI32(GraphTensor tensor) => tensor.Role switch
    {
        TensorRole.TokenIds => Batch.TokenIds.AsSpan(0, Batch.TokenCount),
        TensorRole.Positions => Batch.Positions.AsSpan(0, Batch.TokenCount),
        _ => throw new InvalidOperationException($"{tensor} is not an I32 step input"),
    };
}
