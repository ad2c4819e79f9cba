using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Plugins;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;

namespace LlmFramework.Backends.Cpu.Tests;

public sealed class PluginTests
{
    [Fact]
    public void Plugin_manifest_names_the_backend_and_the_contract_it_was_built_against()
    {
        var plugin = new CpuBackendPlugin();
        Assert.Equal("LlmFramework.Backends.Cpu", plugin.Manifest.Name);
        Assert.Equal(PluginKind.Backend, plugin.Manifest.Kind);
        Assert.Equal(new Version(1, 0, 0), plugin.Manifest.Version);
        Assert.Equal(new Version(ContractVersion.Major, ContractVersion.Minor), plugin.Manifest.ContractVersion);
    }

    [Fact]
    public void Plugin_registers_one_cpu_factory_with_one_cpu_device()
    {
        var registry = new Registry();
        new CpuBackendPlugin().Register(registry);

        IBackendFactory factory = Assert.Single(registry.Backends);
        Assert.Equal("cpu", factory.Name);
        DeviceInfo device = Assert.Single(factory.EnumerateDevices());
        Assert.Equal("cpu", device.Name);
        Assert.Equal(DeviceKind.Cpu, device.Kind);
        Assert.Contains("kernels use", device.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Factory_uses_one_thread_per_core_by_default_and_rejects_unknown_devices()
    {
        var factory = new CpuBackendFactory();
        using (var backend = (CpuBackend)factory.Create(new BackendOptions()))
        {
            Assert.Equal(Environment.ProcessorCount, backend.ThreadCount);
            Assert.Equal("cpu", backend.Name);
        }

        using (var backend = (CpuBackend)factory.Create(new BackendOptions { Threads = 3, Device = "CPU" }))
        {
            Assert.Equal(3, backend.ThreadCount);
        }

        var ex = Assert.Throws<NotSupportedException>(() => factory.Create(new BackendOptions { Device = "cuda:0" }));
        Assert.Contains("cuda:0", ex.Message, StringComparison.Ordinal);
        Assert.ThrowsAny<ArgumentException>(() => factory.Create(new BackendOptions { Threads = -1 }));
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void Every_op_is_supported_for_every_weight_type(DType type)
    {
        const int d = 256;
        WeightTensor w = TestWeights.Create("w", type, 4, d, Data.Gaussian(4 * d, seed: 1));
        WeightTensor norm = TestWeights.Create("n", DType.F32, 1, d, new float[d]);
        var b = new GraphBuilder();
        GraphTensor x = b.GetRows(b.Weight(w), b.TokenIds);
        GraphTensor h = b.RmsNorm(x, b.Weight(norm), 1e-5f);
        GraphTensor q = b.Rope(h, new RopeParams(4, 64, 64, RopeStyle.NeoX, new float[32]));
        GraphTensor a = b.Attention(q, h, h, new AttentionParams(0, 4, 4, 64, 64, 0.125f));
        GraphTensor s = b.Softmax(b.Scale(b.Silu(b.SwiGlu(b.Mul(b.Add(a, x), x), x)), 2f));

        // Contract 1.2: w as 2 heads of 2 rows, as 4 experts of 1 row; MLA over slices of h.
        GraphTensor perHead = b.HeadMatMul(b.ConcatColumns(h, x, 2), b.Weight(w), 2);
        WeightTensor bias = TestWeights.Create("bias", DType.F32, 1, 4, new float[4]);
        GraphTensor routes = b.MoeRoute(perHead, b.Weight(bias), new MoeRouteParams(0, 4, 2, MoeScoring.Sigmoid, 2, 1, true, 1f));
        b.MoeCombine(b.ExpertMatMul(h, routes, b.Weight(w), new ExpertMatMulParams(0, 4, 2)), routes, 2);
        b.LatentAttention(b.SliceColumns(h, 2, 0, 96), b.SliceColumns(h, 1, 0, 64), b.SliceColumns(h, 1, 64, 32), new LatentAttentionParams(0, 2, 64, 32, 0.1f));
        GraphTensor logits = b.MatMul(b.SelectOutputRows(s), b.Weight(w));
        ComputeGraph graph = b.Build(logits);
        using CpuBackend backend = Support.Backends.Create(1);

        Assert.All(graph.Nodes, node => Assert.True(backend.Supports(node).IsSupported, node.ToString()));
        Assert.Equal(Enum.GetValues<OpKind>().Length, graph.Nodes.Select(n => n.Op).Distinct().Count());
    }

    [Fact]
    public void Execute_after_dispose_throws()
    {
        CpuBackend backend = Support.Backends.Create(2);
        backend.Dispose();
        backend.Dispose();
        Assert.Throws<ObjectDisposedException>(() => backend.Execute([], new TestExecutionContext(Data.Batch(1))));
    }

    private sealed class Registry : IPluginRegistry
    {
        public List<IBackendFactory> Backends { get; } = [];

        public void AddBackend(IBackendFactory factory) => Backends.Add(factory);

        public void AddModelFamily(IModelFamily family) => throw new InvalidOperationException("a backend plugin registers no model family");
    }
}
