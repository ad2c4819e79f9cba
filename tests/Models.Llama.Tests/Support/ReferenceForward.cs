using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Conformance;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>Runs a step graph node by node with the conformance suite's scalar reference ops, or with a backend.</summary>
internal sealed class ReferenceForward
{
    private const int BlockSize = 4;
    private readonly ComputeGraph _graph;
    private readonly HostKvCache _cache;
    private readonly int[] _blockTable;
    private readonly IBackend? _backend;
    private int _position;

    public ReferenceForward(ComputeGraph graph, KvCacheLayout layout, int maxTokens = 32, IBackend? backend = null)
    {
        _graph = graph;
        _backend = backend;
        int blocks = (maxTokens + BlockSize - 1) / BlockSize;
        _cache = new HostKvCache(layout, BlockSize, blocks);

        // A scattered block table, so paging is exercised too.
        _blockTable = Enumerable.Range(0, blocks).Reverse().ToArray();
    }

    /// <summary>Feeds <paramref name="tokens"/> as one chunk after what was fed before; returns the last token's logits.</summary>
    public float[] Step(params int[] tokens)
    {
        var batch = new StepBatch(tokens.Length);
        batch.Add(0, tokens, _position, _blockTable, wantLogits: true);
        var context = new ConformanceExecutionContext(batch, _cache);
        if (_backend is not null)
        {
            _backend.Execute(_graph.Nodes, context);
        }
        else
        {
            foreach (GraphNode node in _graph.Nodes)
            {
                ReferenceOps.Execute(node, context);
            }
        }

        _position += tokens.Length;
        return context.GetF32(_graph.Logits).ToArray();
    }

    public static double StandardDeviation(float[] values)
    {
        double mean = values.Average(v => (double)v);
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }
}
