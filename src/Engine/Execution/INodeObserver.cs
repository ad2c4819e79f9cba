using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Engine.Execution;

/// <summary>Something that looks at a step between nodes (the MoE runtime reads routes and manages expert pages).</summary>
public interface INodeObserver
{
    /// <summary>Whether <see cref="AfterNode"/> wants to run after <paramref name="node"/>.</summary>
    bool Observes(GraphNode node);

    /// <summary>Runs on the step thread right after <paramref name="node"/>, with its output still intact.</summary>
    void AfterNode(GraphNode node, IExecutionContext context);
}
