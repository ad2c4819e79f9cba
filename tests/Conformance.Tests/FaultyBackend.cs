using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance.Tests;

/// <summary>
/// The reference with one injected bug: <c>replace</c> may run a node its own (wrong) way and return true;
/// <c>after</c> may then tamper with the context. Used to show the suite catches each kind of bug.
/// </summary>
internal sealed class FaultyBackend(
    Func<GraphNode, IExecutionContext, bool>? replace = null,
    Action<GraphNode, IExecutionContext>? after = null,
    Func<GraphNode, OpSupport>? supports = null) : IBackend
{
    public string Name => "faulty";

    public DeviceInfo Device { get; } = new("host", DeviceKind.Cpu, 0, "reference with an injected bug");

    public OpSupport Supports(GraphNode node) => supports?.Invoke(node) ?? OpSupport.Yes;

    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        foreach (GraphNode node in nodes)
        {
            if (replace is null || !replace(node, context))
            {
                ReferenceOps.Execute(node, context);
            }

            after?.Invoke(node, context);
        }
    }

    public void Dispose()
    {
    }
}
