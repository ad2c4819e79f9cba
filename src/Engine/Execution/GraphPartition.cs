using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Engine.Execution;

/// <summary>A run of consecutive graph nodes assigned to one backend.</summary>
/// <param name="Backend">The backend that runs the nodes.</param>
/// <param name="Nodes">The nodes, in graph order.</param>
public sealed record GraphPartition(IBackend Backend, IReadOnlyList<GraphNode> Nodes);
