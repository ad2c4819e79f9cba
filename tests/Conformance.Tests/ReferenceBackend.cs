using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance.Tests;

/// <summary><see cref="ReferenceOps"/> wrapped as a backend: it must pass the whole suite.</summary>
internal sealed class ReferenceBackend : IBackend
{
    public string Name => "reference";

    public DeviceInfo Device { get; } = new("host", DeviceKind.Cpu, 0, "scalar reference ops");

    public OpSupport Supports(GraphNode node) => OpSupport.Yes;

    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        foreach (GraphNode node in nodes)
        {
            ReferenceOps.Execute(node, context);
        }
    }

    public void Dispose()
    {
    }
}
