using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Abstractions.Execution;

/// <summary>
/// What a backend sees while it runs the nodes of one step: the batch, the KV cache, and the memory of every
/// tensor. Contract version 1 keeps activations in host memory as F32 (I32 for the step inputs); a device
/// backend copies what it needs in and its results out. Spans cover exactly rows * columns values for the step.
/// </summary>
public interface IExecutionContext
{
    /// <summary>The step being run.</summary>
    StepBatch Batch { get; }

    /// <summary>The KV cache.</summary>
    IKvCache KvCache { get; }

    /// <summary>Row count of <paramref name="tensor"/> in this step.</summary>
    int Rows(GraphTensor tensor);

    /// <summary>The values of an F32 activation.</summary>
    Span<float> GetF32(GraphTensor tensor);

    /// <summary>The values of an I32 step input (token ids or positions).</summary>
    ReadOnlySpan<int> GetI32(GraphTensor tensor);

    /// <summary>Worker threads the backend may use for this step.</summary>
    int ThreadCount { get; }

    /// <summary>Cancellation of the step.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>
    /// Where routed experts' weights are (contract 1.2), or null: then every expert is read in place from the stacked
    /// weight. Backends running <see cref="Graph.OpKind.ExpertMatMul"/> should ask it for each expert they use.
    /// </summary>
    IExpertWeights? ExpertWeights => null;
}
