using System.Runtime.ExceptionServices;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Engine.Moe;

/// <summary>
/// Runs a model's <see cref="OpKind.ExpertMatMul"/> nodes on several expert devices at once (expert parallelism,
/// <see cref="MoeOptions.DeviceCount"/> &gt; 1): on the CPU each device is its own CPU backend instance with its own
/// worker pool and share of the engine's threads. At the first ExpertMatMul of each MoE layer the step's routes are
/// split: every (token, slot) entry goes to one device holding a replica of its expert under the placement in force
/// (<see cref="ExpertPlacement.Devices"/>; a replicated expert's entries alternate over its replicas, starting one
/// further each step), and each device gets a copy of the routes with the other devices' entries set to -1 (contract
/// 1.3: computed elsewhere). The devices then run each node concurrently (device 0 on the step thread, the others on
/// long-lived threads of their own), writing disjoint output rows, so the result is the single-device one. Entries
/// computed per device are counted in <see cref="MoeRuntime.DeviceLoad"/>. The engine puts this backend in the
/// partitions in place of the one the partitioner chose for those nodes; buffers are allocated up front (they grow
/// only for a larger step), so steps allocate nothing.
/// </summary>
public sealed class ExpertParallelBackend : IBackend
{
    /// <summary>The name partitions show for the expert devices.</summary>
    public const string BackendName = "expert-devices";

    /// <summary>How errors name the setting.</summary>
    private const string Setting = "Moe:DeviceCount (config LlmFramework:Moe:Devices)";

    private readonly MoeRuntime _runtime;
    private readonly DeviceLoadCounter _load;
    private readonly IBackend[] _devices;
    private readonly DeviceWorker?[] _workers;
    private readonly ExpertDeviceContext[] _contexts;
    private readonly float[][] _masks;
    private readonly bool[] _hasWork;
    private readonly GraphNode[] _callerNodes = new GraphNode[1];
    private readonly Dictionary<GraphNode, bool> _firstOfRoutes = new(ReferenceEqualityComparer.Instance);
    private readonly int[] _seen;
    private ExpertPlacement? _placement;
    private int[] _replicaStart = [];
    private int[] _replicas = [];
    private GraphTensor? _assigned;
    private bool _disposed;

    private ExpertParallelBackend(ComputeGraph graph, MoeRuntime runtime, IBackend[] devices, int[] threads, int maxTokens)
    {
        _runtime = runtime;
        _load = runtime.DeviceLoad ?? throw new ArgumentException($"the MoE runtime counts no device load: it was made with {Setting} 1");
        _devices = devices;
        int n = devices.Length;
        _workers = new DeviceWorker?[n];
        _contexts = new ExpertDeviceContext[n];
        _masks = new float[n][];
        _hasWork = new bool[n];
        long columns = 0;
        var seenRoutes = new HashSet<GraphTensor>(ReferenceEqualityComparer.Instance);
        foreach (GraphNode node in graph.Nodes.Where(x => x.Op == OpKind.ExpertMatMul))
        {
            _firstOfRoutes.Add(node, seenRoutes.Add(node.Inputs[1]));
            columns = Math.Max(columns, node.Inputs[1].Columns);
        }

        for (int d = 0; d < n; d++)
        {
            _contexts[d] = new ExpertDeviceContext(threads[d]);
            _masks[d] = new float[checked(maxTokens * (int)columns)];
            _workers[d] = d == 0 ? null : new DeviceWorker(devices[d], d);
        }

        _seen = new int[runtime.Shape.ExpertCount];
        ThreadCounts = threads;
        Device = new DeviceInfo($"{devices[0].Device.Name} x{n}", devices[0].Device.Kind, 0, $"{n} expert devices ({string.Join(" + ", threads)} threads): {devices[0].Device.Description}");
    }

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    public DeviceInfo Device { get; }

    /// <summary>The expert devices, device index order.</summary>
    public IReadOnlyList<IBackend> Devices => _devices;

    /// <summary>Threads of each device (the engine's threads split over them, at least one each).</summary>
    public IReadOnlyList<int> ThreadCounts { get; }

    /// <summary>
    /// Creates <paramref name="options"/>.DeviceCount expert devices with <paramref name="options"/>.ExpertDeviceFactory,
    /// splitting <paramref name="threads"/> over them. Throws <see cref="ArgumentException"/> naming Moe:DeviceCount when
    /// no factory is set, its devices are not CPUs, there are fewer threads than devices, or a device cannot run the
    /// graph's ExpertMatMul nodes.
    /// </summary>
    public static ExpertParallelBackend Create(ComputeGraph graph, MoeRuntime runtime, MoeOptions options, int threads, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(options);
        int n = options.DeviceCount;
        IBackendFactory factory = options.ExpertDeviceFactory
            ?? throw new ArgumentException($"{Setting} is {n}: running the experts on {n} devices needs MoeOptions.ExpertDeviceFactory (the CPU backend's factory; the host sets it)");
        if (factory.EnumerateDevices() is not [{ Kind: DeviceKind.Cpu }, ..])
        {
            throw new ArgumentException($"{Setting} is {n}: the expert devices are CPU backend instances, but backend '{factory.Name}' has no CPU device");
        }

        if (threads < n)
        {
            throw new ArgumentException($"{Setting} is {n}, more than the engine's {threads} threads (EngineOptions.Threads, config LlmFramework:Backends:Threads): each expert device needs at least one thread");
        }

        int[] shares = [.. Enumerable.Range(0, n).Select(d => (threads / n) + (d < threads % n ? 1 : 0))];
        var devices = new List<IBackend>(n);
        try
        {
            for (int d = 0; d < n; d++)
            {
                devices.Add(factory.Create(new BackendOptions { Threads = shares[d] }));
            }

            foreach (GraphNode node in graph.Nodes.Where(x => x.Op == OpKind.ExpertMatMul))
            {
                OpSupport support = devices[0].Supports(node);
                if (!support.IsSupported)
                {
                    throw new ArgumentException($"{Setting} is {n}, but backend '{factory.Name}' cannot run {node}: {support.Reason}");
                }
            }

            return new ExpertParallelBackend(graph, runtime, [.. devices], shares, maxTokens);
        }
        catch
        {
            devices.ForEach(b => b.Dispose());
            throw;
        }
    }

    /// <inheritdoc />
    public OpSupport Supports(GraphNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Op == OpKind.ExpertMatMul ? _devices[0].Supports(node) : OpSupport.No("the expert devices run ExpertMatMul only");
    }

    /// <inheritdoc />
    public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(context);
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int i = 0; i < nodes.Count; i++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            Run(nodes[i], context);
        }
    }

    private void Run(GraphNode node, IExecutionContext context)
    {
        GraphTensor routes = node.Inputs[1];
        if ((_firstOfRoutes.TryGetValue(node, out bool first) && first) || !ReferenceEquals(routes, _assigned))
        {
            Assign(node, context);
        }

        for (int d = 0; d < _devices.Length; d++)
        {
            _contexts[d].Bind(context, routes, _masks[d]);
        }

        for (int d = 1; d < _devices.Length; d++)
        {
            if (_hasWork[d])
            {
                _workers[d]!.Start(node, _contexts[d]);
            }
        }

        Exception? failure = null;
        if (_hasWork[0])
        {
            _callerNodes[0] = node;
            try
            {
                _devices[0].Execute(_callerNodes, _contexts[0]);
            }
#pragma warning disable CA1031 // rethrown below, once every device has finished with the step's buffers
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
            }
        }

        for (int d = 1; d < _devices.Length; d++)
        {
            if (_hasWork[d])
            {
                failure ??= _workers[d]!.Wait();
            }
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    /// <summary>Splits the entries of <paramref name="node"/>'s routes over the devices (once per MoE layer and step) and counts them.</summary>
    private void Assign(GraphNode node, IExecutionContext context)
    {
        ExpertMatMulParams p = node.GetParams<ExpertMatMulParams>();
        GraphTensor routesTensor = node.Inputs[1];
        ReadOnlySpan<float> routes = context.GetF32(routesTensor);
        int tokens = context.Rows(routesTensor), columns = checked((int)routesTensor.Columns), s = p.ExpertsPerToken, experts = p.ExpertCount;
        if (experts != _runtime.Shape.ExpertCount || (uint)p.MoeLayer >= (uint)_runtime.Shape.MoeLayerCount)
        {
            throw new InvalidOperationException($"{node}: MoE layer {p.MoeLayer} with {experts} experts is not part of {_runtime.Shape}");
        }

        for (int d = 0; d < _devices.Length; d++)
        {
            if (_masks[d].Length < routes.Length)
            {
                _masks[d] = new float[routes.Length];
            }

            routes.CopyTo(_masks[d]);
            _hasWork[d] = false;
        }

        Refresh(_runtime.Placement);
        Array.Clear(_seen);
        long step = _load.Steps;
        int cell0 = p.MoeLayer * experts;
        for (int t = 0; t < tokens; t++)
        {
            for (int j = 0; j < s; j++)
            {
                int at = (t * columns) + j;
                float id = routes[at];
                int e = (int)id;
                int device = 0;
                bool expert = e == id && (uint)e < (uint)experts;
                if (expert)
                {
                    int start = _replicaStart[cell0 + e], replicas = _replicaStart[cell0 + e + 1] - start;
                    device = _replicas[start + (int)((_seen[e]++ + step) % replicas)];
                }

                // Not an expert id (-1, or an invalid one): device 0 gets it as it is, to skip or to refuse.
                for (int d = 0; d < _devices.Length; d++)
                {
                    if (d != device)
                    {
                        _masks[d][at] = -1f;
                    }
                }

                _hasWork[device] = true;
                if (expert)
                {
                    _load.Record(device, p.MoeLayer, e);
                }
            }
        }

        _assigned = routesTensor;
    }

    /// <summary>Flattens the replica lists of a new placement (only when the placement in force changed).</summary>
    private void Refresh(ExpertPlacement placement)
    {
        if (ReferenceEquals(placement, _placement))
        {
            return;
        }

        MoeModelShape shape = _runtime.Shape;
        int cells = shape.MoeLayerCount * shape.ExpertCount;
        var start = new int[cells + 1];
        var replicas = new List<int>(cells);
        for (int i = 0; i < cells; i++)
        {
            start[i] = replicas.Count;
            IReadOnlyList<int> devices = placement.Devices(i / shape.ExpertCount, i % shape.ExpertCount);
            for (int r = 0; r < devices.Count; r++)
            {
                if ((uint)devices[r] >= (uint)_devices.Length)
                {
                    throw new InvalidOperationException($"MoE scheduler {_runtime.SchedulerName} placed expert {i % shape.ExpertCount} of MoE layer {i / shape.ExpertCount} on device {devices[r]}, but {Setting} is {_devices.Length}");
                }

                replicas.Add(devices[r]);
            }
        }

        start[cells] = replicas.Count;
        _replicaStart = start;
        _replicas = [.. replicas];
        _placement = placement;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (DeviceWorker? worker in _workers)
        {
            worker?.Dispose();
        }

        foreach (IBackend device in _devices)
        {
            device.Dispose();
        }
    }

    /// <summary>A long-lived thread that runs one device's share of each node when told to.</summary>
    private sealed class DeviceWorker : IDisposable
    {
        private readonly IBackend _device;
        private readonly Thread _thread;
        private readonly SemaphoreSlim _start = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private readonly GraphNode[] _nodes = new GraphNode[1];
        private IExecutionContext? _context;
        private Exception? _failure;
        private volatile bool _stopping;

        public DeviceWorker(IBackend device, int index)
        {
            _device = device;
            _thread = new Thread(Loop) { IsBackground = true, Name = $"moe-device-{index}" };
            _thread.Start();
        }

        /// <summary>Starts <paramref name="node"/> on the device; <see cref="Wait"/> returns when it is done.</summary>
        public void Start(GraphNode node, IExecutionContext context)
        {
            _nodes[0] = node;
            _context = context;
            _failure = null;
            _start.Release();
        }

        /// <summary>Waits for the node started last; its exception, or null.</summary>
        public Exception? Wait()
        {
            _done.Wait();
            return _failure;
        }

        public void Dispose()
        {
            _stopping = true;
            _start.Release();
            _thread.Join();
            _start.Dispose();
            _done.Dispose();
        }

        private void Loop()
        {
            while (true)
            {
                _start.Wait();
                if (_stopping)
                {
                    return;
                }

                try
                {
                    _device.Execute(_nodes, _context!);
                }
#pragma warning disable CA1031 // handed to the step thread, which rethrows it
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _failure = ex;
                }
                finally
                {
                    _done.Release();
                }
            }
        }
    }
}
