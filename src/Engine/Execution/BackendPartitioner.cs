using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Engine.Execution;

/// <summary>
/// Assigns every node to the first backend, in preference order, that supports it, and cuts the graph into runs of
/// consecutive nodes on the same backend. The last backend in the list is the fallback (normally the CPU backend);
/// a node no backend supports is an error that names the node and every backend's reason.
/// </summary>
public static class BackendPartitioner
{
    /// <summary>Partitions <paramref name="graph"/> over <paramref name="backends"/> (most preferred first).</summary>
    public static IReadOnlyList<GraphPartition> Partition(ComputeGraph graph, IReadOnlyList<IBackend> backends, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(backends);
        if (backends.Count == 0)
        {
            throw new ArgumentException("at least one backend is needed", nameof(backends));
        }

        var partitions = new List<GraphPartition>();
        var counts = new Dictionary<string, int>();
        IBackend? current = null;
        List<GraphNode>? run = null;
        foreach (GraphNode node in graph.Nodes)
        {
            IBackend chosen = Choose(node, backends, logger);
            counts[chosen.Name] = counts.GetValueOrDefault(chosen.Name) + 1;
            if (!ReferenceEquals(chosen, current))
            {
                if (run is not null)
                {
                    partitions.Add(new GraphPartition(current!, run));
                }

                current = chosen;
                run = [];
            }

            run!.Add(node);
        }

        if (run is not null)
        {
            partitions.Add(new GraphPartition(current!, run));
        }

        logger?.LogInformation("graph of {Nodes} nodes in {Partitions} partitions: {Assignment}", graph.Nodes.Count, partitions.Count, string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}")));
        return partitions;
    }

    private static IBackend Choose(GraphNode node, IReadOnlyList<IBackend> backends, ILogger? logger)
    {
        List<string>? reasons = null;
        foreach (IBackend backend in backends)
        {
            OpSupport support = backend.Supports(node);
            if (support.IsSupported)
            {
                if (reasons is not null)
                {
                    logger?.LogDebug("node {Node} ({Op}) runs on {Backend}; not on: {Reasons}", node.Index, node.Op, backend.Name, string.Join("; ", reasons));
                }

                return backend;
            }

            (reasons ??= []).Add($"{backend.Name}: {support.Reason ?? "unsupported"}");
        }

        throw new NotSupportedException($"no backend supports node {node.Index} ({node.Op} -> {node.Output.Name}): {string.Join("; ", reasons!)}");
    }
}
