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
/// place from the memory map; a cold expert chosen by the router is read from the checkpoint file into a staging slot
/// (<see cref="Locate"/> tells the backend where), so its pages are never mapped. This needs the experts in a
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
    private readonly int[][] _slotOf;
    private readonly long[][] _matrixOffset;
    private (Microsoft.Win32.SafeHandles.SafeFileHandle File, long Offset)[][]? _files;
    private byte* _staging;
    private int _slotsUsed;
    private volatile bool[] _resident;
    private volatile IMoeScheduler? _scheduler;
    private Task<ExpertPlacement>? _planning;
    private long _lastPlanTicks;

    /// <summary>Plans measured to take less than this run on the step thread (1 ms); longer ones on a worker thread.</summary>
    private static readonly long InlinePlanTicks = System.Diagnostics.Stopwatch.Frequency / 1000;
    private int _stepsSincePlan;
    private long _coldUses;

    private MoeRuntime(MoeModelShape shape, WeightTensor[][] expertWeights, GraphNode[] lastExpertNode, MoeOptions options, ILogger? logger, IReadOnlyList<(ulong Start, ulong End, long Offset, string Path)> files)
    {
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
        _slotOf = new int[shape.MoeLayerCount][];
        _matrixOffset = new long[shape.MoeLayerCount][];
        for (int l = 0; l < shape.MoeLayerCount; l++)
        {
            _usedCold[l] = new bool[shape.ExpertCount];
            _coldList[l] = new List<int>(shape.ExpertCount);
            _slotOf[l] = Enumerable.Repeat(-1, shape.ExpertCount).ToArray();
            _matrixOffset[l] = new long[expertWeights[l].Length];
            for (int j = 1; j < expertWeights[l].Length; j++)
            {
                _matrixOffset[l][j] = _matrixOffset[l][j - 1] + (expertWeights[l][j - 1].ByteLength / shape.ExpertCount);
            }
        }

        Pageable = FileBackedMemory.IsSupported && expertWeights.SelectMany(w => w).All(w => files.Any(f => (ulong)w.Data >= f.Start && (ulong)(w.Data + w.ByteLength) <= f.End));
        Placement = ExpertPlacement.AllResident(shape);
        _resident = Enumerable.Repeat(true, shape.MoeLayerCount * shape.ExpertCount).ToArray();
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
        var runtime = new MoeRuntime(shape, weights.Select(w => w.ToArray()).ToArray(), last, options, logger, mappings);
        if (options.Scheduler is not null)
        {
            if (runtime.Pageable)
            {
                runtime.OpenFiles(mappings);
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
                Apply(done.Result);
            }
            else
            {
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
                    Apply(scheduler.Plan(request));
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

        foreach (Microsoft.Win32.SafeHandles.SafeFileHandle handle in (_files ?? []).SelectMany(f => f).Select(f => f.File).Distinct())
        {
            handle.Dispose();
        }

        if (_staging is not null)
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(_staging);
            _staging = null;
        }
    }

    /// <summary>Page-advice calls the kernel refused (0 when paging works).</summary>
    public static long PageAdviceFailures => FileBackedMemory.Failures;

    /// <summary>Drops the pages of every non-resident expert from the process (between steps).</summary>
    public void DropColdExperts()
    {
        if (!Pageable)
        {
            return;
        }

        bool[] resident = _resident;
        for (int i = 0; i < resident.Length; i++)
        {
            if (!resident[i])
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
        Placement);

    /// <summary>
    /// Bytes of the staging area cold experts are read into (one slot per expert a token chooses), taken out of the
    /// budget the scheduler plans with; 0 when experts cannot be paged.
    /// </summary>
    public long StagingBytes => Pageable && _scheduler is not null ? (long)Shape.ExpertsPerToken * Shape.ExpertBytes : 0;

    /// <summary>Cold experts served from the staging area (read from the file) rather than the memory map.</summary>
    public long StagedReads { get; private set; }

    /// <summary>Seconds spent reading cold experts into the staging area.</summary>
    public double StagingSeconds { get; private set; }

    /// <inheritdoc />
    public byte* Locate(WeightTensor stacked, int moeLayer, int expert)
    {
        ArgumentNullException.ThrowIfNull(stacked);
        WeightTensor[] weights = _expertWeights[moeLayer];
        int j = Array.IndexOf(weights, stacked);
        long bytes = stacked.ByteLength / Shape.ExpertCount;
        int slot = _slotOf[moeLayer][expert];
        if (j < 0 || slot < 0 || _staging is null)
        {
            return stacked.Data + (expert * bytes);
        }

        return _staging + ((long)slot * Shape.ExpertBytes) + _matrixOffset[moeLayer][j];
    }

    /// <summary>
    /// Reads a cold expert's matrices from the checkpoint file into a free staging slot (the page cache serves them:
    /// a copy, with no page faults or unmapping in this process); false when no slot is free or the read fails.
    /// </summary>
    private bool Stage(int moeLayer, int expert)
    {
        if (_files is null || _slotsUsed >= Shape.ExpertsPerToken)
        {
            return false;
        }

        if (_staging is null)
        {
            _staging = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)Math.Max(1, StagingBytes), 64);
        }

        int slot = _slotsUsed;
        WeightTensor[] weights = _expertWeights[moeLayer];
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            for (int j = 0; j < weights.Length; j++)
            {
                long bytes = weights[j].ByteLength / Shape.ExpertCount;
                (Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset) = _files[moeLayer][j];
                var destination = new Span<byte>(_staging + ((long)slot * Shape.ExpertBytes) + _matrixOffset[moeLayer][j], checked((int)bytes));
                long at = offset + (expert * bytes);
                for (int done = 0; done < destination.Length;)
                {
                    int n = RandomAccess.Read(file, destination[done..], at + done);
                    done += n > 0 ? n : throw new EndOfStreamException($"the checkpoint ends inside expert {expert} of MoE layer {moeLayer}");
                }
            }
        }
        catch (IOException ex)
        {
            _logger?.LogError(ex, "reading expert {Expert} of MoE layer {Layer} from the checkpoint failed; reading it through the memory map", expert, moeLayer);
            return false;
        }

        _slotsUsed++;
        _slotOf[moeLayer][expert] = slot;
        StagedReads++;
        StagingSeconds += (double)(System.Diagnostics.Stopwatch.GetTimestamp() - started) / System.Diagnostics.Stopwatch.Frequency;
        return true;
    }

    /// <summary>Opens the checkpoint files the experts are mapped from, for staged reads.</summary>
    private void OpenFiles(IReadOnlyList<(ulong Start, ulong End, long Offset, string Path)> mappings)
    {
        var handles = new Dictionary<string, Microsoft.Win32.SafeHandles.SafeFileHandle>(StringComparer.Ordinal);
        var files = new (Microsoft.Win32.SafeHandles.SafeFileHandle, long)[_expertWeights.Length][];
        for (int l = 0; l < _expertWeights.Length; l++)
        {
            files[l] = new (Microsoft.Win32.SafeHandles.SafeFileHandle, long)[_expertWeights[l].Length];
            for (int j = 0; j < _expertWeights[l].Length; j++)
            {
                ulong address = (ulong)_expertWeights[l][j].Data;
                (ulong start, _, long offset, string path) = mappings.First(m => address >= m.Start && address < m.End);
                if (!handles.TryGetValue(path, out Microsoft.Win32.SafeHandles.SafeFileHandle? handle))
                {
                    handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                    handles.Add(path, handle);
                }

                files[l][j] = (handle, offset + (long)(address - start));
            }
        }

        _files = files;
    }

    private ExpertPlacement PlanNow() => (_scheduler ?? throw new InvalidOperationException("no MoE scheduler is set")).Plan(Request());

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

        bool[] old = _resident;
        var next = new bool[old.Length];
        var promoted = new List<int>();
        for (int i = 0; i < next.Length; i++)
        {
            next[i] = placement.IsResident(i / Shape.ExpertCount, i % Shape.ExpertCount);
            if (old[i] && !next[i])
            {
                Demotions++;
            }
            else if (!old[i] && next[i])
            {
                Promotions++;
                promoted.Add(i);
            }
        }

        _resident = next;
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
                    if (Pageable && !Stage(p.MoeLayer, e))
                    {
                        ForEachRange(i, FileBackedMemory.Prefetch);
                    }
                }
            }
        }
    }

    /// <summary>Cold experts whose pages were dropped after their layer.</summary>
    public long ColdReleases { get; private set; }

    private void ReleaseCold(int moeLayer)
    {
        bool[] resident = _resident;
        foreach (int e in _coldList[moeLayer])
        {
            _usedCold[moeLayer][e] = false;
            if (_slotOf[moeLayer][e] >= 0)
            {
                _slotOf[moeLayer][e] = -1;
                continue;
            }

            if (Pageable && !resident[(moeLayer * Shape.ExpertCount) + e])
            {
                ForEachRange((moeLayer * Shape.ExpertCount) + e, FileBackedMemory.Drop);
                ColdReleases++;
            }
        }

        _coldList[moeLayer].Clear();
        _slotsUsed = 0;
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
