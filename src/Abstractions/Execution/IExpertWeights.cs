using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Execution;

/// <summary>
/// Where a backend finds one routed expert's rows of a stacked expert weight (contract 1.2). The engine's MoE runtime
/// provides it (<see cref="IExecutionContext.ExpertWeights"/>) so that experts that are not resident can be served from a
/// staging copy instead of the memory-mapped checkpoint; a backend that ignores it reads the stacked weight in place.
/// </summary>
/// <remarks>
/// From contract 1.3 <see cref="Locate"/> may copy a cold expert's rows from storage on its first call, and may be
/// called concurrently from the node's worker threads for different experts, so a backend can spread those copies
/// over its threads and overlap them with other experts' matmuls; <see cref="NeedsLoad"/> tells which calls will copy,
/// so a backend can start them first.
/// </remarks>
public interface IExpertWeights
{
    /// <summary>
    /// The first byte of expert <paramref name="expert"/>'s rows of <paramref name="stacked"/> (the weight input of an
    /// <see cref="Graph.OpKind.ExpertMatMul"/> node of MoE layer <paramref name="moeLayer"/>): <c>Rows / ExpertCount</c>
    /// rows of <see cref="WeightTensor.RowBytes"/> each. Valid until the node finishes. Call it while the node runs, from
    /// the thread running the node or one of its workers; calls for different experts may run concurrently (1.3), calls
    /// for the same expert and weight must not.
    /// </summary>
    unsafe byte* Locate(WeightTensor stacked, int moeLayer, int expert);

    /// <summary>
    /// Like <see cref="Locate"/>, and says in <paramref name="type"/> what the rows hold (contract 1.3): the stacked
    /// weight's type, or the compact format the engine keeps this expert in (an <see cref="Moe.ExpertPlacement.Format"/>),
    /// with rows of <c>DTypeInfo.RowBytes(type, Columns)</c> bytes. The untyped <see cref="Locate"/> always returns
    /// rows of the stacked weight's type, so a backend that ignores this overload stays correct.
    /// </summary>
    unsafe byte* LocateRows(WeightTensor stacked, int moeLayer, int expert, out DType type)
    {
        ArgumentNullException.ThrowIfNull(stacked);
        type = stacked.Type;
        return Locate(stacked, moeLayer, expert);
    }

    /// <summary>
    /// Whether <see cref="Locate"/> for this expert and weight will first copy the rows from storage (a cold expert not yet
    /// staged in this step): such experts cost more, so a backend may start them first (contract 1.3; false by default).
    /// </summary>
    bool NeedsLoad(WeightTensor stacked, int moeLayer, int expert) => false;
}
