using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Conformance;

namespace LlmFramework.Backends.Torch.Tests.Support;

/// <summary>
/// Runs a model's step graph step by step on one backend (or, with no backend, on the conformance suite's scalar
/// reference) against its own host KV cache, as the engine would, and returns each step's logits.
/// </summary>
internal sealed class StepRunner
{
    private readonly ComputeGraph _graph;
    private readonly IBackend? _backend;
    private readonly HostKvCache _cache;

    public StepRunner(ComputeGraph graph, KvCacheLayout layout, IBackend? backend, int blockSize, int blocks)
    {
        _graph = graph;
        _backend = backend;
        _cache = new HostKvCache(layout, blockSize, blocks);
    }

    /// <summary>Runs every node for <paramref name="batch"/>; returns the logits ([outputs, vocab], row-major).</summary>
    public float[] Step(StepBatch batch)
    {
        var context = new ConformanceExecutionContext(batch, _cache, threadCount: 2);
        if (_backend is null)
        {
            foreach (GraphNode node in _graph.Nodes)
            {
                ReferenceOps.Execute(node, context);
            }
        }
        else
        {
            _backend.Execute(_graph.Nodes, context);
        }

        return context.GetF32(_graph.Logits).ToArray();
    }
}
