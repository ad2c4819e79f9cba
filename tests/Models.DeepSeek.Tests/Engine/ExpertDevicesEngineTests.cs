using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine.Moe;
using LlmFramework.Schedulers.Balanced;

namespace LlmFramework.Models.DeepSeek.Tests.Engine;

/// <summary>
/// A DeepSeek test model with the Balanced scheduler and its experts run on two CPU expert devices
/// (<see cref="MoeOptions.DeviceCount"/> = 2): the same tokens and logits as one device, every entry computed by exactly
/// one device, both devices busy, replicated experts' entries on each of their replicas, and clear errors for device
/// counts the engine cannot honour.
/// </summary>
public sealed class ExpertDevicesEngineTests : IDisposable
{
    private const int Experts = MoeTestSession.Experts;
    private const int PerToken = MoeTestSession.PerToken;
    private const int MoeLayers = MoeTestSession.MoeLayers;
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-moe-devices-").FullName;
    private readonly string _path;

    public ExpertDevicesEngineTests()
    {
        _path = Path.Combine(_dir, "moe.gguf");
        MoeTestSession.WriteModel(_path, seed: 11);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Two_expert_devices_generate_the_same_tokens_and_logits_as_one()
    {
        int[] prompt = [7, 100, 250, 3, 64, 128, 9, 41];
        using MoeTestSession one = Open(Balanced(1));
        int[] want = [.. one.Engine.GenerateGreedy(prompt, 24, out _)];
        float[] wantLogits = one.Engine.GetLogits([.. prompt, .. want]);

        using MoeTestSession two = Open(Balanced(2));
        int[] got = [.. two.Engine.GenerateGreedy(prompt, 24, out _)];
        float[] gotLogits = two.Engine.GetLogits([.. prompt, .. got]);

        Assert.Null(one.Engine.ExpertDevices);
        Assert.NotNull(two.Engine.ExpertDevices);
        Assert.Equal(want, got);

        // Each entry is computed by one device with the same kernels on the same rows: bit for bit the one-device result.
        Assert.Equal(wantLogits.Length, gotLogits.Length);
        for (int i = 0; i < wantLogits.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(wantLogits[i]) == BitConverter.SingleToInt32Bits(gotLogits[i]), $"logit {i}: one device {wantLogits[i]:G9}, two devices {gotLogits[i]:G9}");
        }
    }

    [Fact]
    public void Two_expert_devices_with_a_quarter_resident_give_the_all_resident_tokens()
    {
        int[] prompt = [7, 100, 250, 3, 64, 128, 9, 41];
        using MoeTestSession all = Open(new MoeOptions());
        int[] want = [.. all.Engine.GenerateGreedy(prompt, 24, out _)];

        // Cold experts are staged while both devices run: an expert replicated on both is read once, the other waits.
        long budget = all.Engine.Moe!.Shape.TotalExpertBytes / 4;
        using MoeTestSession two = Open(Balanced(2) with { ExpertBudgetBytes = budget });
        int[] got = [.. two.Engine.GenerateGreedy(prompt, 24, out _)];
        MoeRuntime moe = two.Engine.Moe!;
        Assert.Equal(want, got);
        Assert.True(moe.ColdUses > 0, "a quarter of the experts resident, yet no cold expert was used");
        Assert.Equal(OperatingSystem.IsLinux(), moe.StagedReads > 0);
        Assert.InRange(moe.Placement.ResidentBytes, 1, budget);
    }

    [Fact]
    public void Every_routed_entry_runs_on_exactly_one_device_and_both_devices_work()
    {
        using MoeTestSession s = Open(Balanced(2));
        MoeRuntime moe = s.Engine.Moe!;
        Assert.All(s.Engine.Graph.Nodes.Where(n => n.Op == OpKind.ExpertMatMul), n =>
            Assert.Contains(s.Engine.Partitions, p => p.Backend is ExpertParallelBackend && p.Nodes.Count == 1 && p.Nodes[0] == n));
        Assert.Equal([1, 1], s.Engine.ExpertDevices!.ThreadCounts);
        s.Engine.GenerateGreedy([5, 9, 200, 31], 12, out _);

        // 4 prompt tokens and 11 decoded ones each choose PerToken experts in each MoE layer, and each choice ran once.
        DeviceLoadCounter load = moe.DeviceLoad!;
        Assert.Equal((4 + 11) * PerToken * MoeLayers, load.Entries(0) + load.Entries(1));
        for (int l = 0; l < MoeLayers; l++)
        {
            Assert.Equal((4 + 11) * PerToken, load.Entries(0, l) + load.Entries(1, l));
            for (int e = 0; e < Experts; e++)
            {
                Assert.Equal(moe.Counter.Snapshot().Total(l, e), load.Entries(0, l, e) + load.Entries(1, l, e));
            }
        }

        Assert.True(load.Entries(0) > 0 && load.Entries(1) > 0, $"device entries {load.Entries(0)} and {load.Entries(1)}: one device did nothing");
        // The Balanced placement spreads the load: measured mean / max per device well above one device doing it all (0.5).
        Assert.InRange(load.LifetimeBalancedness, 0.7, 1);
        Assert.InRange(load.Balancedness, 0.7, 1);
    }

    [Fact]
    public void Each_device_is_handed_only_its_own_entries()
    {
        // Devices that count the route entries they are asked to compute (ids other than -1) on each ExpertMatMul.
        var factory = new RecordingFactory();
        using MoeTestSession s = Open(Balanced(2) with { ExpertDeviceFactory = factory });
        s.Engine.GenerateGreedy([5, 9, 200, 31, 77], 10, out _);

        int nodesPerLayer = s.Engine.Graph.Nodes.Count(n => n.Op == OpKind.ExpertMatMul) / MoeLayers;
        DeviceLoadCounter load = s.Engine.Moe!.DeviceLoad!;
        Assert.Equal(2, factory.Made.Count);
        Assert.Equal((5 + 9) * PerToken * MoeLayers * nodesPerLayer, factory.Made.Sum(d => d.Entries));
        for (int d = 0; d < 2; d++)
        {
            Assert.Equal(load.Entries(d) * nodesPerLayer, factory.Made[d].Entries);
        }
    }

    [Fact]
    public void Entries_of_a_replicated_expert_alternate_over_its_replicas_and_never_reach_other_devices()
    {
        using MoeTestSession s = Open(Balanced(2) with { RebalanceSteps = 100_000 });
        MoeRuntime moe = s.Engine.Moe!;
        s.Engine.GenerateGreedy([11, 12, 13, 14, 15, 16, 17, 18], 16, out _);
        moe.Rebalance();
        ExpertPlacement placement = moe.Placement;
        DeviceLoadCounter load = moe.DeviceLoad!;
        long[] before = Cells(load);
        s.Engine.GenerateGreedy([11, 12, 13, 14, 15, 16, 17, 18], 16, out _);
        Assert.Same(placement, moe.Placement);
        long[] after = Cells(load);

        int replicatedWithTwoEntries = 0;
        for (int l = 0; l < MoeLayers; l++)
        {
            for (int e = 0; e < Experts; e++)
            {
                IReadOnlyList<int> replicas = placement.Devices(l, e);
                long[] ran = [.. Enumerable.Range(0, 2).Select(d => after[Cell(d, l, e)] - before[Cell(d, l, e)])];
                for (int d = 0; d < 2; d++)
                {
                    if (!replicas.Contains(d))
                    {
                        Assert.True(ran[d] == 0, $"expert {e} of layer {l} lives on {string.Join(",", replicas)} but device {d} ran {ran[d]} of its entries");
                    }
                }

                if (replicas.Count == 2 && ran.Sum() >= 2)
                {
                    replicatedWithTwoEntries++;
                    Assert.True(ran[0] > 0 && ran[1] > 0, $"replicated expert {e} of layer {l}: devices ran {ran[0]} and {ran[1]} of its entries");
                    Assert.InRange(Math.Abs(ran[0] - ran[1]), 0, (ran.Sum() / 2) + 1);
                }
            }
        }

        Assert.True(replicatedWithTwoEntries > 0, "no replicated expert was chosen twice: the test exercised no replica split");
    }

    [Fact]
    public void More_devices_than_threads_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => Open(Balanced(3)));
        Assert.Contains("Moe:Devices) is 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 threads", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_devices_without_a_device_factory_are_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => Open(Balanced(2) with { ExpertDeviceFactory = null }));
        Assert.Contains("Moe:Devices) is 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(MoeOptions.ExpertDeviceFactory), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expert_devices_from_a_backend_without_a_cpu_device_are_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => Open(Balanced(2) with { ExpertDeviceFactory = new GpuOnlyFactory() }));
        Assert.Contains("Moe:Devices) is 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("'gpu-only' has no CPU device", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zero_device_count_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<ArgumentException>(() => Open(Balanced(1) with { DeviceCount = 0 }));
        Assert.Contains("Moe:DeviceCount (0, config Moe:Devices)", e.Message, StringComparison.Ordinal);
    }

    private static MoeOptions Balanced(int devices) => new()
    {
        Scheduler = new BalancedSchedulerFactory().Create(new Dictionary<string, string>()),
        RebalanceSteps = 4,
        DeviceCount = devices,
        ExpertDeviceFactory = new CpuBackendFactory(),
    };

    private static int Cell(int device, int layer, int expert) => (((device * MoeLayers) + layer) * Experts) + expert;

    private static long[] Cells(DeviceLoadCounter load) =>
        [.. Enumerable.Range(0, 2 * MoeLayers * Experts).Select(i => load.Entries(i / (MoeLayers * Experts), i / Experts % MoeLayers, i % Experts))];

    private MoeTestSession Open(MoeOptions moe) => MoeTestSession.Open(_path, moe);

    private sealed class GpuOnlyFactory : IBackendFactory
    {
        public string Name => "gpu-only";

        public IReadOnlyList<DeviceInfo> EnumerateDevices() => [new DeviceInfo("gpu:0", DeviceKind.Cuda, 0, "a stand-in GPU")];

        public IBackend Create(BackendOptions options) => throw new NotSupportedException("never created");
    }

    private sealed class RecordingFactory : IBackendFactory
    {
        private readonly CpuBackendFactory _cpu = new();

        public List<RecordingBackend> Made { get; } = [];

        public string Name => _cpu.Name;

        public IReadOnlyList<DeviceInfo> EnumerateDevices() => _cpu.EnumerateDevices();

        public IBackend Create(BackendOptions options)
        {
            var backend = new RecordingBackend(_cpu.Create(options));
            Made.Add(backend);
            return backend;
        }
    }

    private sealed class RecordingBackend(IBackend inner) : IBackend
    {
        public long Entries { get; private set; }

        public string Name => inner.Name;

        public DeviceInfo Device => inner.Device;

        public OpSupport Supports(GraphNode node) => inner.Supports(node);

        public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
        {
            foreach (GraphNode node in nodes)
            {
                int s = node.GetParams<ExpertMatMulParams>().ExpertsPerToken;
                ReadOnlySpan<float> routes = context.GetF32(node.Inputs[1]);
                for (int t = 0; t < context.Rows(node.Inputs[1]); t++)
                {
                    for (int j = 0; j < s; j++)
                    {
                        Entries += routes[(t * 2 * s) + j] == -1f ? 0 : 1;
                    }
                }
            }

            inner.Execute(nodes, context);
        }

        public void Dispose() => inner.Dispose();
    }
}
