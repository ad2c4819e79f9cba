using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Abstractions.Backends;

/// <summary>
/// A compute backend: runs graph nodes on a device. It never needs to know which model it runs. The engine asks
/// <see cref="Supports"/> for every node, partitions the graph across the configured backends (falling back to the
/// CPU backend) and calls <see cref="Execute"/> with runs of consecutive nodes in graph order.
/// </summary>
/// <remarks>
/// Implementations must be safe to call from one engine thread at a time; they may use worker threads inside
/// <see cref="Execute"/>. Every backend is checked by the conformance suite (LlmFramework.Conformance).
/// </remarks>
public interface IBackend : IDisposable
{
    /// <summary>Backend name used in configuration (e.g. "cpu").</summary>
    string Name { get; }

    /// <summary>The device this instance runs on.</summary>
    DeviceInfo Device { get; }

    /// <summary>Whether this backend can run <paramref name="node"/> (op, dtypes, shapes).</summary>
    OpSupport Supports(GraphNode node);

    /// <summary>
    /// Runs <paramref name="nodes"/> (a partition: consecutive nodes of one graph, in order) for the step
    /// described by <paramref name="context"/>. Inputs produced by earlier partitions are already in the context.
    /// </summary>
    void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context);
}
