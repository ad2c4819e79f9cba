using System.Diagnostics;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Benchmarks.MoeOffload;

/// <summary>Wraps a backend and runs its partitions node by node, adding up the time spent per op kind (--profile).</summary>
internal sealed class OpTimingBackend(IBackend inner) : IBackend
{
    private readonly Dictionary<OpKind, (long Ticks, long Calls)> _time = [];

    public string Name => inner.Name;

    public DeviceInfo Device => inner.Device;

    public OpSupport Supports(GraphNode node) => inner.Supports(node);

    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        foreach (GraphNode node in nodes)
        {
            long start = Stopwatch.GetTimestamp();
            inner.Execute([node], context);
            long elapsed = Stopwatch.GetTimestamp() - start;
            (long ticks, long calls) = _time.GetValueOrDefault(node.Op);
            _time[node.Op] = (ticks + elapsed, calls + 1);
        }
    }

    public void Reset() => _time.Clear();

    /// <summary>Milliseconds and calls per op kind, largest first.</summary>
    public string Report(int tokens) => string.Join("; ", _time.OrderByDescending(kv => kv.Value.Ticks)
        .Select(kv => $"{kv.Key} {kv.Value.Ticks * 1000.0 / Stopwatch.Frequency / tokens:F3} ms/token ({kv.Value.Calls / tokens} calls)"));

    public void Dispose() => inner.Dispose();
}
