using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Engine.Execution;

/// <summary>
/// Runs a model's step graph: partitions it over the backends once, plans activation memory once, then for each
/// step hands every partition to its backend in order. Backends can be replaced between steps
/// (<see cref="ReplaceBackends"/>), which re-partitions the graph.
/// </summary>
public sealed class GraphExecutor
{
    private readonly ComputeGraph _graph;
    private readonly StepExecutionContext _context;
    private readonly ILogger? _logger;
    private IReadOnlyList<GraphPartition> _partitions;
    private INodeObserver? _observer;
    private IBackend? _dedicated;

    /// <summary>Plans execution of <paramref name="graph"/>.</summary>
    public GraphExecutor(ComputeGraph graph, IReadOnlyList<IBackend> backends, IKvCache kvCache, int maxTokens, int threads, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        _graph = graph;
        _logger = logger;
        Arena = new ActivationArena(graph, maxTokens, maxTokens);
        _context = new StepExecutionContext(Arena, kvCache, threads);
        Backends = backends;
        _partitions = BackendPartitioner.Partition(graph, backends, logger);
        MaxTokens = maxTokens;
    }

    /// <summary>The activation memory plan.</summary>
    public ActivationArena Arena { get; }

    /// <summary>Most tokens per step.</summary>
    public int MaxTokens { get; }

    /// <summary>The backends in use, most preferred first.</summary>
    public IReadOnlyList<IBackend> Backends { get; private set; }

    /// <summary>The current partitions.</summary>
    public IReadOnlyList<GraphPartition> Partitions => _partitions;

    /// <summary>Switches to <paramref name="backends"/>; call only between steps.</summary>
    public void ReplaceBackends(IReadOnlyList<IBackend> backends)
    {
        IReadOnlyList<GraphPartition> partitions = Split(BackendPartitioner.Partition(_graph, backends, _logger));
        Backends = backends;
        _partitions = partitions;
    }

    /// <summary>
    /// Has <paramref name="observer"/> see the step after each node it observes: partitions are cut after those nodes so
    /// their outputs can be read before later nodes reuse the memory. An observer that is also <see cref="IExpertWeights"/>
    /// tells backends where experts are. Call only between steps.
    /// </summary>
    public void SetObserver(INodeObserver? observer)
    {
        _context.ExpertWeights = observer as IExpertWeights;
        _observer = observer;
        _partitions = Split(BackendPartitioner.Partition(_graph, Backends, _logger));
    }

    /// <summary>
    /// Runs every node that <paramref name="backend"/> supports on it, each in a partition of its own, whichever backend
    /// the partitioner chose (the engine's expert devices take the ExpertMatMul nodes this way); null undoes it. The
    /// caller keeps ownership of <paramref name="backend"/>. Call only between steps.
    /// </summary>
    public void SetDedicatedBackend(IBackend? backend)
    {
        _dedicated = backend;
        _partitions = Split(BackendPartitioner.Partition(_graph, Backends, _logger));
    }

    /// <summary>Cuts the partitions after observed nodes and around the nodes the dedicated backend runs.</summary>
    private IReadOnlyList<GraphPartition> Split(IReadOnlyList<GraphPartition> partitions)
    {
        if (_observer is null && _dedicated is null)
        {
            return partitions;
        }

        var split = new List<GraphPartition>();
        foreach (GraphPartition p in partitions)
        {
            var run = new List<GraphNode>();
            foreach (GraphNode node in p.Nodes)
            {
                if (_dedicated is { } dedicated && dedicated.Supports(node).IsSupported)
                {
                    if (run.Count > 0)
                    {
                        split.Add(new GraphPartition(p.Backend, run));
                        run = [];
                    }

                    split.Add(new GraphPartition(dedicated, [node]));
                    continue;
                }

                run.Add(node);
                if (_observer is not null && _observer.Observes(node))
                {
                    split.Add(new GraphPartition(p.Backend, run));
                    run = [];
                }
            }

            if (run.Count > 0)
            {
                split.Add(new GraphPartition(p.Backend, run));
            }
        }

        return split;
    }

    /// <summary>Runs one step and returns the logits, [batch.OutputCount, vocab], valid until the next step.</summary>
    public ReadOnlySpan<float> Run(StepBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.TokenCount > MaxTokens)
        {
            throw new ArgumentException($"step has {batch.TokenCount} tokens; this executor was planned for at most {MaxTokens}");
        }

        _context.Batch = batch;
        _context.CancellationToken = cancellationToken;
        foreach (GraphPartition partition in _partitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            partition.Backend.Execute(partition.Nodes, _context);
            if (_observer is { } observer && observer.Observes(partition.Nodes[^1]))
            {
                observer.AfterNode(partition.Nodes[^1], _context);
            }
        }

        return _context.GetF32(_graph.Logits);
    }
}
