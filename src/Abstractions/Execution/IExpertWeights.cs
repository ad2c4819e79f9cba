using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Execution;

/// <summary>
/// Where a backend finds one routed expert's rows of a stacked expert weight (contract 1.2). The engine's MoE runtime
/// provides it (<see cref="IExecutionContext.ExpertWeights"/>) so that experts that are not resident can be served from a
/// staging copy instead of the memory-mapped checkpoint; a backend that ignores it reads the stacked weight in place.
/// </summary>
public interface IExpertWeights
{
    /// <summary>
    /// The first byte of expert <paramref name="expert"/>'s rows of <paramref name="stacked"/> (the weight input of an
    /// <see cref="Graph.OpKind.ExpertMatMul"/> node of MoE layer <paramref name="moeLayer"/>): <c>Rows / ExpertCount</c>
    /// rows of <see cref="WeightTensor.RowBytes"/> each. Valid until the node finishes; call from the thread running the node.
    /// </summary>
    unsafe byte* Locate(WeightTensor stacked, int moeLayer, int expert);
}
