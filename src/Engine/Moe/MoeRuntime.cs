using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Engine.Execution;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// The engine's side of expert scheduling for one MoE model. It reads every step's routes right after each
/// <see cref="OpKind.MoeRoute"/> node and counts them (<see cref="Counter"/>); it asks the scheduler for a placement
/// every <see cref="MoeOptions.RebalanceSteps"/> steps (between steps on the step thread while plans are quick, else on a
/// worker thread, applied at a later step boundary; a plan over the budget is refused). Resident experts are read in
/// place from the memory map; a cold expert chosen by the router gets a staging slot, and each of its matrices is read
/// from the checkpoint file into that slot on the backend's first <see cref="Locate"/> for it (on whichever worker thread
/// runs that expert, so copies spread over the threads and overlap other experts' matmuls), so its pages are never mapped. This needs the experts in a
/// file-backed memory map (GGUF on Linux); experts in owned memory (converted at load) stay resident.
/// </summary>
public sealed unsafe class MoeRuntime : INodeObserver, IExpertWeights, IDisposable
{
    private readonly MoeOptions _options;
    private readonly ILogger? _logger;
    private readonly WeightTensor[][] _expertWeights;
    private readonly GraphNode[] _lastExpertNode;
    private readonly bool[][] _usedCold;
    private readonly List<int>[] _coldList;
    private readonly NextLayerPrefetch? _prefetch;
    private ExpertStaging? _staging;
    private CompactExperts? _compact;
    private volatile bool[] _mapped;
    private volatile bool[] _resident;
    private volatile IMoeScheduler? _scheduler;
    private Task<ExpertPlacement>? _planning;
    private long _lastPlanTicks;

    /// <summary>Plans measured to take less than this run on the step thread (1 ms); longer ones on a worker thread.</summary>
    private static readonly long InlinePlanTicks = System.Diagnostics.Stopwatch.Frequency / 1000;
    private int _stepsSincePlan;
    private long _coldUses;

    private MoeRuntime(MoeModelShape shape, WeightTensor[][] expertWeights, GraphNode[] lastExpertNode, MoeOptions options, ILogger? logger, IReadOnlyList<(ulong Start, ulong End, long Offset, string Path)> files, NextLayerPredictor? predictor)
    {
        _prefetch = predictor is null ? null : new NextLayerPrefetch(predictor, shape);
        Shape = shape;
        _expertWeights = expertWeights;
        _lastExpertNode = lastExpertNode;
        _options = options;
        _logger = logger;
        _scheduler = options.Scheduler;
        Counter = new ExpertRoutingCounter(shape.MoeLayerCount, shape.ExpertCount, options.WindowSteps);
        DeviceLoad = options.DeviceCount > 1 ? new DeviceLoadCounter(options.DeviceCount, shape.MoeLayerCount, shape.ExpertCount, options.WindowSteps) : null;
        if (options.InitialLoad is { } saved)
        {
            Counter.Restore(saved);
        }

        _usedCold = new bool[shape.MoeLayerCount][];
        _coldList = new List<int>[shape.MoeLayerCount];
        for (int l = 0; l < shape.MoeLayerCount; l++)
        {
            _usedCold[l] = new bool[shape.ExpertCount];
            _coldList[l] = new List<int>(shape.ExpertCount);
        }

        Pageable = FileBackedMemory.IsSupported && expertWeights.SelectMany(w => w).All(w => files.Any(f => (ulong)w.Data >= f.Start && (ulong)(w.Data + w.ByteLength) <= f.End));
        Placement = ExpertPlacement.AllResident(shape);
        _resident = Enumerable.Repeat(true, shape.MoeLayerCount * shape.ExpertCount).ToArray();
        _mapped = _resident;
        if (_scheduler is not null && !Pageable)
        {
            _logger?.LogWarning("MoE scheduler {Scheduler}: the experts are not in a file-backed memory map (converted at load?), so every expert stays resident", _scheduler.Name);
        }
    }

    /// <summary>The model's routed experts.</summary>
    public MoeModelShape Shape { get; }

    /// <summary>The routing counts.</summary>
    public ExpertRoutingCounter Counter { get; }

    /// <summary>Entries each expert device computed (measured balancedness), or null with one device (Moe:DeviceCount 1).</summary>
    public DeviceLoadCounter? DeviceLoad { get; }

    /// <summary>The placement in force.</summary>
    public ExpertPlacement Placement { get; private set; }

    /// <summary>Whether cold experts can be dropped from memory (file-backed experts on Linux).</summary>
    public bool Pageable { get; }

    /// <summary>Name of the scheduler, or "Static" when none is set.</summary>
    public string SchedulerName => _scheduler?.Name ?? "Static";

    /// <summary>
    /// Switches to <paramref name="scheduler"/> (a hot-swapped scheduler plugin): its first plan is made at the next
    /// rebalance; the placement in force stays until then. Null stops planning and keeps the current placement.
    /// </summary>
    public void ReplaceScheduler(IMoeScheduler? scheduler)
    {
        _logger?.LogInformation("MoE scheduler {Old} -> {New}", SchedulerName, scheduler?.Name ?? "none");
        _scheduler = scheduler;
        _stepsSincePlan = _options.RebalanceSteps;
    }

    /// <summary>The budget in force (-1 = no limit).</summary>
    public long BudgetBytes => _options.ExpertBudgetBytes;

    /// <summary>Times a step used an expert that was not resident.</summary>
    public long ColdUses => Interlocked.Read(ref _coldUses);

    /// <summary>Experts made resident by placement changes.</summary>
    public long Promotions { get; private set; }

    /// <summary>Experts made cold by placement changes.</summary>
    public long Demotions { get; private set; }

    /// <summary>Placements applied.</summary>
    public long Plans { get; private set; }

    /// <summary>Bytes of the resident experts under the current placement.</summary>
    public long ResidentBytes => Pageable ? Placement.ResidentBytes : Shape.TotalExpertBytes;

    /// <summary>Balancedness of the current placement over the window (1 = even).</summary>
    public double Balancedness => Placement.Balancedness(Counter.Snapshot());

    /// <summary>The MoE runtime for <paramref name="graph"/>, or null when it has no MoE layers.</summary>
    public static MoeRuntime? Create(ComputeGraph graph, MoeOptions options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        var routes = graph.Nodes.Where(n => n.Op == OpKind.MoeRoute).Select(n => n.GetParams<MoeRouteParams>()).ToList();
        if (routes.Count == 0)
        {
            return null;
        }

        int layers = routes.Max(r => r.MoeLayer) + 1;
        int experts = routes[0].ExpertCount;
        if (routes.Any(r => r.ExpertCount != experts) || routes.Select(r => r.MoeLayer).Distinct().Count() != layers)
        {
            throw new ArgumentException("the graph's MoE layers must be numbered 0.. once each and have the same number of routed experts");
        }

        var weights = new List<WeightTensor>[layers];
        var last = new GraphNode[layers];
        for (int l = 0; l < layers; l++)
        {
            weights[l] = [];
        }

        foreach (GraphNode node in graph.Nodes.Where(n => n.Op == OpKind.ExpertMatMul))
        {
            ExpertMatMulParams p = node.GetParams<ExpertMatMulParams>();
            WeightTensor w = node.Inputs[2].Weight ?? throw new ArgumentException($"node {node}: ExpertMatMul needs a bound weight");
            if (!weights[p.MoeLayer].Contains(w))
            {
                weights[p.MoeLayer].Add(w);
            }

            last[p.MoeLayer] = node;
        }

        long expertBytes = weights.Max(ws => ws.Sum(w => w.ByteLength / experts));
        var shape = new MoeModelShape(layers, experts, routes[0].ExpertsPerToken, expertBytes);
        IReadOnlyList<(ulong Start, ulong End, long Offset, string Path)> mappings = FileBackedMemory.FileMappings();
        NextLayerPredictor? predictor = options.PrefetchNextLayer && options.Scheduler is not null ? NextLayerPredictor.Create(graph, layers, experts) : null;
        var runtime = new MoeRuntime(shape, weights.Select(w => w.ToArray()).ToArray(), last, options, logger, mappings, predictor);
        if (options.Scheduler is not null)
        {
            if (runtime.Pageable)
            {
                runtime._staging = new ExpertStaging(shape, runtime._expertWeights, mappings, logger);
                runtime._compact = new CompactExperts(shape, runtime._expertWeights);
            }

            runtime.Apply(runtime.PlanNow());
        }

        return runtime;
    }

    /// <inheritdoc />
    public bool Observes(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Op == OpKind.MoeRoute || (node.Op == OpKind.ExpertMatMul && ReferenceEquals(_lastExpertNode[node.GetParams<ExpertMatMulParams>().MoeLayer], node));
    }

    /// <inheritdoc />
    public void AfterNode(GraphNode node, IExecutionContext context)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(context);
        if (node.Op == OpKind.MoeRoute)
        {
            Routed(node, context);
        }
        else
        {
            ReleaseCold(node.GetParams<ExpertMatMulParams>().MoeLayer);
        }
    }

    /// <summary>Closes a step: advances the window, applies a finished plan, starts the next one when due.</summary>
    public void AfterStep()
    {
        Counter.EndStep();
        DeviceLoad?.EndStep();
        IMoeScheduler? scheduler = _scheduler;
        if (scheduler is null)
        {
            return;
        }

        if (_planning is { IsCompleted: true } done)
        {
            _planning = null;
            if (done.IsCompletedSuccessfully)
            {
                TryApply(done.Result);
            }
            else
            {
                _compact?.DropPrepared();
                _logger?.LogError(done.Exception, "MoE scheduler {Scheduler} failed to plan; keeping the current placement", SchedulerName);
            }
        }

        if (++_stepsSincePlan >= _options.RebalanceSteps && _planning is null)
        {
            _stepsSincePlan = 0;
            ExpertPlacementRequest request = Request();
            if (_lastPlanTicks < InlinePlanTicks)
            {
                // A plan that takes less than a millisecond runs here, between two steps: a worker thread would compete
                // with the backend's spinning workers for the cores and stall the next steps by more than that.
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    ExpertPlacement plan = scheduler.Plan(request);
                    if (_compact is { } compact && compact.NeedsConversions(plan))
                    {
                        // Converting experts to a compact format takes milliseconds each: made on a worker thread, the
                        // placement applied at a later step boundary once they are ready.
                        _planning = Task.Run(() =>
                        {
                            compact.Prepare(plan);
                            return plan;
                        });
                    }
                    else
                    {
                        Apply(plan);
                    }
                }
#pragma warning disable CA1031 // a failing scheduler keeps the placement in force
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _logger?.LogError(ex, "MoE scheduler {Scheduler} failed to plan; keeping the current placement", SchedulerName);
                }

                _lastPlanTicks = System.Diagnostics.Stopwatch.GetTimestamp() - start;
            }
            else
            {
                _planning = Task.Run(() =>
                {
                    long start = System.Diagnostics.Stopwatch.GetTimestamp();
                    ExpertPlacement plan = scheduler.Plan(request);
                    _lastPlanTicks = System.Diagnostics.Stopwatch.GetTimestamp() - start;
                    _compact?.Prepare(plan);
                    return plan;
                });
            }
        }
    }

    /// <summary>Plans and applies a placement now, on the calling thread (between steps).</summary>
    public void Rebalance()
    {
        if (_scheduler is not null)
        {
            _planning?.Wait();
            _planning = null;
            Apply(PlanNow());
        }
    }

    /// <summary>Waits for a plan in progress and frees the staging area and file handles; call before the model is disposed.</summary>
    public void Dispose()
    {
        try
        {
            _planning?.Wait();
        }
        catch (AggregateException)
        {
            // A failed plan is not applied; nothing to clean up.
        }

        _staging?.Dispose();
        _staging = null;
        _compact?.Dispose();
        _compact = null;
    }

    /// <summary>Page-advice calls the kernel refused (0 when paging works).</summary>
    public static long PageAdviceFailures => FileBackedMemory.Failures;

    /// <summary>Drops the pages of every expert not resident in its stored form (cold, or held compact) from the process (between steps).</summary>
    public void DropColdExperts()
    {
        if (!Pageable)
        {
            return;
        }

        bool[] mapped = _mapped;
        for (int i = 0; i < mapped.Length; i++)
        {
            if (!mapped[i])
            {
                ForEachRange(i, FileBackedMemory.DropExact);
            }
        }
    }

    private ExpertPlacementRequest Request() => new(
        Shape,
        Counter.Snapshot(),
        _options.ExpertBudgetBytes < 0 ? long.MaxValue : Math.Max(0, _options.ExpertBudgetBytes - StagingBytes),
        _options.DeviceCount,
        Placement)
    {
        CompactFormats = _compact?.Offered ?? new Dictionary<DType, long>(),
    };

    /// <summary>Resident experts held in a compact format now.</summary>
    public int CompactExperts => _compact?.Count ?? 0;

    /// <summary>Bytes of the compact copies held now.</summary>
    public long CompactBytes => _compact?.Bytes ?? 0;

    /// <summary>Seconds spent converting experts to compact formats (between steps).</summary>
    public double CompactConversionSeconds => _compact?.ConversionSeconds ?? 0;

    /// <summary>
    /// Bytes of the staging area cold experts are read into (one slot per expert a token chooses), taken out of the
    /// budget the scheduler plans with; 0 when experts cannot be paged.
    /// </summary>
    public long StagingBytes => Pageable && _scheduler is not null ? (long)Shape.ExpertsPerToken * Shape.ExpertBytes : 0;

    /// <summary>Cold experts served from the staging area (read from the file) rather than the memory map.</summary>
    public long StagedReads => _staging?.StagedReads ?? 0;

    /// <summary>Expert matrices read into the staging area (a staged expert has one per expert weight of its layer).</summary>
    public long StagedMatrices => _staging?.StagedMatrices ?? 0;

    /// <summary>Seconds spent reading cold experts into the staging area, summed over the threads that read them.</summary>
    public double StagingSeconds => _staging?.Seconds ?? 0;

    /// <inheritdoc />
    public byte* Locate(WeightTensor stacked, int moeLayer, int expert)
    {
        ArgumentNullException.ThrowIfNull(stacked);
        return StoredRows(stacked, moeLayer, Array.IndexOf(_expertWeights[moeLayer], stacked), expert);
    }

    /// <inheritdoc />
    public byte* LocateRows(WeightTensor stacked, int moeLayer, int expert, out DType type)
    {
        ArgumentNullException.ThrowIfNull(stacked);
        int j = Array.IndexOf(_expertWeights[moeLayer], stacked);
        if (j >= 0 && _compact is not null && _compact.TryGet(moeLayer, j, expert, out byte* rows, out type))
        {
            return rows;
        }

        type = stacked.Type;
        return StoredRows(stacked, moeLayer, j, expert);
    }

    /// <inheritdoc />
    public bool NeedsLoad(WeightTensor stacked, int moeLayer, int expert)
    {
        int j = _staging is null ? -1 : Array.IndexOf(_expertWeights[moeLayer], stacked);
        return j >= 0 && _staging!.NeedsLoad(moeLayer, j, expert);
    }

    /// <summary>Matrix <paramref name="j"/> of <paramref name="expert"/> as stored: its staging slot when it has one, else in place.</summary>
    private byte* StoredRows(WeightTensor stacked, int moeLayer, int j, int expert)
    {
        byte* staged = j < 0 || _staging is null ? null : _staging.Locate(moeLayer, j, expert);
        return staged is not null ? staged : stacked.Data + (expert * (stacked.ByteLength / Shape.ExpertCount));
    }

    private ExpertPlacement PlanNow() => (_scheduler ?? throw new InvalidOperationException("no MoE scheduler is set")).Plan(Request());

    /// <summary>Applies a plan made on a worker thread; a refused one is logged and the placement in force stays.</summary>
    private void TryApply(ExpertPlacement placement)
    {
        try
        {
            Apply(placement);
        }
        catch (InvalidOperationException ex)
        {
            _logger?.LogError(ex, "MoE scheduler {Scheduler}: plan refused; keeping the current placement", SchedulerName);
        }
        finally
        {
            _compact?.DropPrepared();
        }
    }

    private void Apply(ExpertPlacement placement)
    {
        long budget = _options.ExpertBudgetBytes < 0 ? long.MaxValue : _options.ExpertBudgetBytes;
        if (placement.ResidentBytes > budget)
        {
            throw new InvalidOperationException($"MoE scheduler {SchedulerName} placed {placement.ResidentBytes} bytes of experts, over the budget of {budget}");
        }

        if (placement.Shape != Shape)
        {
            throw new InvalidOperationException($"MoE scheduler {SchedulerName} returned a placement for {placement.Shape}, not {Shape}");
        }

        if (placement.CompactCount > 0 && (_compact is null || !Pageable))
        {
            throw new InvalidOperationException($"MoE scheduler {SchedulerName} gave experts a compact format, but this engine offered none (its experts are not file-backed)");
        }

        bool[] old = _mapped;
        var next = new bool[old.Length];
        var mapped = new bool[old.Length];
        var promoted = new List<int>();
        for (int i = 0; i < next.Length; i++)
        {
            int layer = i / Shape.ExpertCount, expert = i % Shape.ExpertCount;
            next[i] = placement.IsResident(layer, expert);
            DType? format = next[i] ? placement.Format(layer, expert) : null;
            mapped[i] = next[i] && format is null;
            if (format is { } f)
            {
                _compact!.Hold(layer, expert, f);
            }
            else
            {
                _compact?.Release(layer, expert);
            }

            if (old[i] && !mapped[i])
            {
                Demotions++;
            }
            else if (!old[i] && mapped[i])
            {
                Promotions++;
                promoted.Add(i);
            }
        }

        _resident = next;
        _mapped = mapped;
        Placement = placement;
        Plans++;

        // Drops the demoted experts, and the pages of cold neighbours that faults on resident experts mapped in (a fault
        // maps a whole page-cache folio): exactly, so the resident experts' own pages stay.
        DropColdExperts();
        if (Pageable)
        {
            // Promoted experts are read in place from now on: ask for read-ahead of any pages the page cache lacks.
            foreach (int i in promoted)
            {
                ForEachRange(i, FileBackedMemory.Prefetch);
            }
        }
    }

    private void Routed(GraphNode node, IExecutionContext context)
    {
        MoeRouteParams p = node.GetParams<MoeRouteParams>();
        ReadOnlySpan<float> routes = context.GetF32(node.Output);
        int tokens = context.Rows(node.Output), s = p.ExpertsPerToken;
        bool[] resident = _resident;
        bool[] used = _usedCold[p.MoeLayer];
        for (int t = 0; t < tokens; t++)
        {
            for (int j = 0; j < s; j++)
            {
                int e = (int)routes[(t * 2 * s) + j];
                Counter.Record(p.MoeLayer, e);
                int i = (p.MoeLayer * Shape.ExpertCount) + e;
                if (!resident[i] && !used[e])
                {
                    used[e] = true;
                    _coldList[p.MoeLayer].Add(e);
                    Interlocked.Increment(ref _coldUses);
                    if (Pageable && _staging?.AssignSlot(p.MoeLayer, e) != true)
                    {
                        ForEachRange(i, FileBackedMemory.Prefetch);
                    }
                }
            }
        }

        _prefetch?.Check(p.MoeLayer, routes, tokens, s, resident);
        if (_staging is not null)
        {
            _prefetch?.Prefetch(p.MoeLayer, context, tokens, resident, _staging);
        }
    }

    /// <summary>Distinct experts the layers chose in steps whose choice was predicted one layer earlier.</summary>
    public long PredictionChecks => _prefetch?.Checks ?? 0;

    /// <summary>Of <see cref="PredictionChecks"/>, those the prediction named.</summary>
    public long PredictionHits => _prefetch?.Hits ?? 0;

    /// <summary>Cold experts read ahead because the next layer was predicted to choose them.</summary>
    public long ColdPrefetches => _prefetch?.ColdPrefetches ?? 0;

    /// <summary>Of the chosen experts the prediction named, those that were cold (a read-ahead that was used).</summary>
    public long ColdPrefetchHits => _prefetch?.ColdHits ?? 0;

    /// <summary>Cold experts whose pages were dropped after their layer.</summary>
    public long ColdReleases { get; private set; }

    private void ReleaseCold(int moeLayer)
    {
        bool[] resident = _resident;
        foreach (int e in _coldList[moeLayer])
        {
            _usedCold[moeLayer][e] = false;
            // A matrix the backend read in place (a failed copy, or a backend that does not ask) mapped its pages.
            if (_staging?.Release(moeLayer, e) == true)
            {
                continue;
            }

            if (Pageable && !resident[(moeLayer * Shape.ExpertCount) + e])
            {
                ForEachRange((moeLayer * Shape.ExpertCount) + e, FileBackedMemory.Drop);
                ColdReleases++;
            }
        }

        _coldList[moeLayer].Clear();
        _staging?.EndLayer();
    }

    private delegate void RangeAction(byte* address, long length);

    private void ForEachRange(int index, RangeAction action)
    {
        int layer = index / Shape.ExpertCount, expert = index % Shape.ExpertCount;
        foreach (WeightTensor w in _expertWeights[layer])
        {
            long bytes = w.ByteLength / Shape.ExpertCount;
            action(w.Data + (expert * bytes), bytes);
        }
    }
}
