using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Plugins;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Torch.Tests.Support;
using LlmFramework.Conformance;
using LlmFramework.Quantization;

namespace LlmFramework.Backends.Torch.Tests;

public sealed unsafe class PluginTests
{
    [Fact]
    public void Registering_adds_one_torch_factory_under_a_manifest_with_the_contract_it_was_built_against()
    {
        var plugin = new TorchBackendPlugin();
        var registry = new Registry();

        plugin.Register(registry);

        Assert.Equal(("LlmFramework.Backends.Torch", PluginKind.Backend), (plugin.Manifest.Name, plugin.Manifest.Kind));
        Assert.Equal(new Version(1, 0, 0), plugin.Manifest.Version);
        Assert.Equal(new Version(ContractVersion.Major, ContractVersion.Minor), plugin.Manifest.ContractVersion);
        Assert.Equal(TorchBackendFactory.BackendName, Assert.IsType<TorchBackendFactory>(Assert.Single(registry.Backends)).Name);
    }

    [Theory]
    [MemberData(nameof(WeightTypes.All), MemberType = typeof(WeightTypes))]
    public void Every_op_is_supported_for_every_weight_type(DType type)
    {
        const int d = 256;
        byte[] bytes = BlockQuantizer.Quantize(type, new float[5 * d]);
        fixed (byte* data = bytes)
        {
            // Rows 0-3: a table and a projection; row 4: a norm weight of the same type.
            var w = new WeightTensor("w", type, [4, d], data, bytes.Length / 5 * 4);
            var norm = new WeightTensor("norm", type, [1, d], data + (bytes.Length / 5 * 4), bytes.Length / 5);
            var b = new GraphBuilder();
            GraphTensor x = b.GetRows(b.Weight(w), b.TokenIds);
            GraphTensor h = b.RmsNorm(x, b.Weight(norm), 1e-5f);
            GraphTensor q = b.Rope(h, new RopeParams(4, 64, 64, RopeStyle.Interleaved, new float[32]));
            GraphTensor a = b.Attention(q, h, h, new AttentionParams(0, 4, 4, 64, 64, 0.125f));
            GraphTensor s = b.Softmax(b.Scale(b.Silu(b.SwiGlu(b.Mul(b.Add(a, x), x), x)), 2f));
            ComputeGraph graph = b.Build(b.MatMul(b.SelectOutputRows(s), b.Weight(w)));
            using IBackend backend = new TorchBackendFactory().Create(new BackendOptions { Device = "cpu" });

            Assert.All(graph.Nodes, node => Assert.True(backend.Supports(node).IsSupported, node.ToString()));
            Assert.Equal(Enum.GetValues<OpKind>().Count(op => op < OpKind.HeadMatMul), graph.Nodes.Select(n => n.Op).Distinct().Count());
        }
    }

    [Fact]
    public void The_contract_1_2_ops_are_declined_with_a_reason_so_the_engine_runs_them_on_the_cpu()
    {
        float[] values = new float[8 * 64];
        fixed (float* data = values)
        {
            var w = new WeightTensor("w", DType.F32, [8, 64], (byte*)data, values.Length * sizeof(float));
            var b = new GraphBuilder();
            GraphTensor x = b.GetRows(b.Weight(w), b.TokenIds);
            GraphTensor perHead = b.HeadMatMul(b.ConcatColumns(x, x, 2), b.Weight(w), 2);
            GraphTensor routes = b.MoeRoute(perHead, null, new MoeRouteParams(0, 8, 2, MoeScoring.Softmax, 1, 1, false, 1f));
            GraphTensor moe = b.MoeCombine(b.ExpertMatMul(x, routes, b.Weight(w), new ExpertMatMulParams(0, 8, 2)), routes, 2);
            b.LatentAttention(b.SliceColumns(x, 2, 0, 24), b.SliceColumns(x, 1, 0, 16), b.SliceColumns(x, 1, 16, 8), new LatentAttentionParams(0, 2, 16, 8, 0.25f));
            ComputeGraph graph = b.Build(b.SelectOutputRows(moe));
            using IBackend backend = new TorchBackendFactory().Create(new BackendOptions { Device = "cpu" });

            GraphNode[] newOps = graph.Nodes.Where(n => n.Op >= OpKind.HeadMatMul).ToArray();
            Assert.Equal(Enum.GetValues<OpKind>().Count(op => op >= OpKind.HeadMatMul), newOps.Select(n => n.Op).Distinct().Count());
            Assert.All(newOps, node =>
            {
                OpSupport support = backend.Supports(node);
                Assert.False(support.IsSupported, node.ToString());
                Assert.Contains(node.Op.ToString(), support.Reason, StringComparison.Ordinal);
            });
            Assert.All(graph.Nodes.Where(n => n.Op < OpKind.HeadMatMul), node => Assert.True(backend.Supports(node).IsSupported, node.ToString()));
        }
    }

    [Fact]
    public void Execute_after_dispose_throws_and_dispose_twice_is_harmless()
    {
        IBackend backend = new TorchBackendFactory().Create(new BackendOptions { Device = "cpu" });
        backend.Dispose();
        backend.Dispose();

        var context = new ConformanceExecutionContext(new StepBatch(1), new HostKvCache(new KvCacheLayout(1, [8, 8], 16), 4, 1));
        Assert.Throws<ObjectDisposedException>(() => backend.Execute([], context));
    }

    private sealed class Registry : IPluginRegistry
    {
        public List<IBackendFactory> Backends { get; } = [];

        public void AddBackend(IBackendFactory factory) => Backends.Add(factory);

        public void AddModelFamily(IModelFamily family) => throw new InvalidOperationException("a backend plugin registers no model family");
    }
}
