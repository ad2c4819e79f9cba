namespace LlmFramework.Host.Tests.Support;

/// <summary>
/// Sources of stand-in plugins, so the hot-swap scenario also runs without the real CPU backend and LLaMA family: a
/// "cpu" backend that runs every node with the conformance suite's scalar reference ops, and a "tiny" model family
/// (two pre-norm transformer layers with attention and a SwiGLU block, seeded random weights, a byte tokenizer).
/// </summary>
public static class StandInPluginSources
{
    /// <summary>The file that marks a tiny-family model folder (beside config.json); it holds the weight seed.</summary>
    public const string TinyMarker = "tiny-model.json";

    /// <summary>Vocabulary size of the tiny model.</summary>
    public const int TinyVocab = 64;

    public static string ReferenceCpu() => """
        using System;
        using System.Collections.Generic;
        using LlmFramework.Abstractions;
        using LlmFramework.Abstractions.Backends;
        using LlmFramework.Abstractions.Execution;
        using LlmFramework.Abstractions.Graph;
        using LlmFramework.Abstractions.Plugins;
        using LlmFramework.Conformance;

        namespace StandIn.Cpu;

        public sealed class ReferenceCpuPlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = new("Test.ReferenceCpu", PluginKind.Backend, new Version(1, 0), new Version(ContractVersion.Major, ContractVersion.Minor), "cpu stand-in: the scalar reference ops");

            public void Register(IPluginRegistry registry) => registry.AddBackend(new ReferenceCpuFactory());
        }

        internal sealed class ReferenceCpuFactory : IBackendFactory
        {
            internal static readonly DeviceInfo Device = new("cpu", DeviceKind.Cpu, 0, "reference ops");

            public string Name => "cpu";

            public IReadOnlyList<DeviceInfo> EnumerateDevices() => new[] { Device };

            public IBackend Create(BackendOptions options) => new ReferenceCpuBackend();
        }

        internal sealed class ReferenceCpuBackend : IBackend
        {
            public string Name => "cpu";

            public DeviceInfo Device => ReferenceCpuFactory.Device;

            public OpSupport Supports(GraphNode node) => OpSupport.Yes;

            public void Execute(IReadOnlyList<GraphNode> nodes, IExecutionContext context)
            {
                foreach (GraphNode node in nodes)
                {
                    ReferenceOps.Execute(node, context);
                }
            }

            public void Dispose()
            {
            }
        }
        """;

    public static string TinyFamily() => $$"""
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Runtime.InteropServices;
        using LlmFramework.Abstractions;
        using LlmFramework.Abstractions.Execution;
        using LlmFramework.Abstractions.Graph;
        using LlmFramework.Abstractions.Models;
        using LlmFramework.Abstractions.Plugins;
        using LlmFramework.Abstractions.Tensors;
        using LlmFramework.Abstractions.Tokenization;

        namespace StandIn.Tiny;

        public sealed class TinyPlugin : ILlmPlugin
        {
            public PluginManifest Manifest { get; } = new("Test.TinyFamily", PluginKind.ModelFamily, new Version(1, 0), new Version(ContractVersion.Major, ContractVersion.Minor), "tiny stand-in model family");

            public void Register(IPluginRegistry registry) => registry.AddModelFamily(new TinyFamily());
        }

        internal sealed class TinyFamily : IModelFamily
        {
            public string Name => "tiny";

            public IReadOnlyList<string> Architectures => new[] { "tiny" };

            public ModelRecognition Recognize(ModelSource source) =>
                source.Format == CheckpointFormat.HuggingFaceFolder && File.Exists(Path.Combine(source.Path, "{{TinyMarker}}"))
                    ? ModelRecognition.Match("tiny")
                    : ModelRecognition.NoMatch(null, "no {{TinyMarker}}");

            public IModel Load(ModelSource source, ModelLoadOptions options) =>
                new TinyModel(int.Parse(File.ReadAllText(Path.Combine(source.Path, "{{TinyMarker}}")).Trim()));
        }

        internal sealed unsafe class TinyModel : IModel
        {
            private const int V = {{TinyVocab}}, D = 32, H = 2, Hkv = 1, Dh = 16, F = 48, Layers = 2, Context = 512;
            private readonly List<IntPtr> _blocks = new();
            private readonly Random _random;

            public TinyModel(int seed) => _random = new Random(seed);

            public ModelInfo Info { get; } = new("tiny", "tiny", V, Context, 0, "tiny stand-in model");

            public ITokenizer Tokenizer { get; } = new ByteTokenizer();

            public IChatTemplate ChatTemplate => null;

            public GenerationDefaults GenerationDefaults { get; } = new();

            public KvCacheLayout KvCacheLayout { get; } = new(Layers, new[] { Hkv * Dh, Hkv * Dh }, Context);

            public ComputeGraph BuildStepGraph()
            {
                var g = new GraphBuilder();
                var inverse = new float[Dh / 2];
                for (int i = 0; i < inverse.Length; i++)
                {
                    inverse[i] = (float)Math.Pow(10000, -2.0 * i / Dh);
                }

                GraphTensor W(string name, int rows, int columns) => g.Weight(Random(name, rows, columns, 2f / MathF.Sqrt(columns)));

                var ropeQ = new RopeParams(H, Dh, Dh, RopeStyle.NeoX, inverse);
                var ropeK = ropeQ with { HeadCount = Hkv };
                GraphTensor x = g.GetRows(g.Weight(Random("embd", V, D, 1f)), g.TokenIds);
                for (int l = 0; l < Layers; l++)
                {
                    GraphTensor h = g.RmsNorm(x, g.Weight(Ones("attn_norm." + l, D)), 1e-5f);
                    GraphTensor q = g.Rope(g.MatMul(h, W("q." + l, H * Dh, D)), ropeQ);
                    GraphTensor k = g.Rope(g.MatMul(h, W("k." + l, Hkv * Dh, D)), ropeK);
                    GraphTensor v = g.MatMul(h, W("v." + l, Hkv * Dh, D));
                    GraphTensor a = g.Attention(q, k, v, new AttentionParams(l, H, Hkv, Dh, Dh, 0.25f));
                    x = g.Add(x, g.MatMul(a, W("o." + l, D, H * Dh)), "attn_residual." + l);
                    h = g.RmsNorm(x, g.Weight(Ones("ffn_norm." + l, D)), 1e-5f);
                    GraphTensor gated = g.SwiGlu(g.MatMul(h, W("gate." + l, F, D)), g.MatMul(h, W("up." + l, F, D)));
                    x = g.Add(x, g.MatMul(gated, W("down." + l, D, F)), "ffn_residual." + l);
                }

                x = g.RmsNorm(g.SelectOutputRows(x), g.Weight(Ones("output_norm", D)), 1e-5f);
                return g.Build(g.MatMul(x, W("output", V, D)));
            }

            public void Dispose()
            {
                foreach (IntPtr block in _blocks)
                {
                    NativeMemory.Free((void*)block);
                }

                _blocks.Clear();
            }

            private WeightTensor Ones(string name, int columns) => Make(name, 1, columns, () => 1f);

            private WeightTensor Random(string name, int rows, int columns, float scale) => Make(name, rows, columns, () => ((float)_random.NextDouble() * 2 - 1) * scale);

            private WeightTensor Make(string name, int rows, int columns, Func<float> value)
            {
                long bytes = (long)rows * columns * sizeof(float);
                float* data = (float*)NativeMemory.Alloc((nuint)bytes);
                _blocks.Add((IntPtr)data);
                for (long i = 0; i < (long)rows * columns; i++)
                {
                    data[i] = value();
                }

                return new WeightTensor(name, DType.F32, new long[] { rows, columns }, (byte*)data, bytes);
            }
        }

        internal sealed class ByteTokenizer : ITokenizer
        {
            private static readonly byte[] Bytes = BuildBytes();

            public int VocabSize => {{TinyVocab}};

            public int? BosId => null;

            public IReadOnlyList<int> EosIds { get; } = Array.Empty<int>();

            public bool AddsBos => false;

            public bool StripsLeadingSpace => false;

            public int[] Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = true)
            {
                var ids = new int[text.Length];
                for (int i = 0; i < text.Length; i++)
                {
                    ids[i] = text[i] % VocabSize;
                }

                return ids;
            }

            public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
            {
                var chars = new char[ids.Length];
                for (int i = 0; i < ids.Length; i++)
                {
                    chars[i] = (char)Bytes[ids[i]];
                }

                return new string(chars);
            }

            public ReadOnlySpan<byte> GetTokenBytes(int id) => Bytes.AsSpan(id, 1);

            public bool IsSpecial(int id) => false;

            public string GetTokenText(int id) => ((char)Bytes[id]).ToString();

            public int? TokenToId(string tokenText) => null;

            private static byte[] BuildBytes()
            {
                var bytes = new byte[{{TinyVocab}}];
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = (byte)('0' + i);
                }

                return bytes;
            }
        }
        """;
}
