using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Conformance;

namespace LlmFramework.Engine.Tests.Support;

/// <summary>The conformance suite's scalar reference ops as a backend, optionally limited to some ops.</summary>
internal sealed class ReferenceBackend : IBackend
{
    private readonly HashSet<OpKind>? _ops;

    public ReferenceBackend(string name = "reference", IEnumerable<OpKind>? ops = null)
    {
        Name = name;
        _ops = ops is null ? null : [.. ops];
        Device = new DeviceInfo(name, DeviceKind.Cpu, 0, "scalar reference");
    }

    public string Name { get; }

    public DeviceInfo Device { get; }

    public int ExecutedNodes { get; private set; }

    public bool Disposed { get; private set; }

    /// <summary>Called after every Execute with the number of Execute calls so far.</summary>
    public Action<int>? AfterExecute { get; set; }

    public int ExecuteCalls { get; private set; }

    /// <summary>Called before every Execute with the step's context (its batch names the sequences in the step).</summary>
    public Action<IExecutionContext>? BeforeExecute { get; set; }

    public OpSupport Supports(GraphNode node) =>
        _ops is null || _ops.Contains(node.Op) ? OpSupport.Yes : OpSupport.No($"{Name} does not implement {node.Op}");

    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        BeforeExecute?.Invoke(context);
        foreach (GraphNode node in nodes)
        {
            ReferenceOps.Execute(node, context);
            ExecutedNodes++;
        }

        ExecuteCalls++;
        AfterExecute?.Invoke(ExecuteCalls);
    }

    public void Dispose() => Disposed = true;
}
