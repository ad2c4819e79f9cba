using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Engine.Tests.Support;

/// <summary>
/// A two-layer LLaMA-shaped model with random F32 weights in native memory (32 tokens, dim 16, 2 query heads,
/// 1 KV head of 8): enough to exercise ragged batches, the paged KV cache and chunked prefill on the reference ops.
/// </summary>
internal sealed unsafe class TinyModel : IModel
{
    private const int Dim = 16;
    private const int Heads = 2;
    private const int KvHeads = 1;
    private const int HeadDim = 8;
    private const int Ffn = 24;
    private const int Layers = 2;
    private readonly List<nint> _allocations = [];
    private readonly Random _random;

    public TinyModel(int seed = 7, int contextLength = 256)
    {
        _random = new Random(seed);
        Tokenizer = new CharTokenizer();
        Info = new ModelInfo("test", "tiny", Tokenizer.VocabSize, contextLength, 0, "tiny test model");
        KvCacheLayout = new KvCacheLayout(Layers, [KvHeads * HeadDim, KvHeads * HeadDim], contextLength);
    }

    public ModelInfo Info { get; }

    public CharTokenizer Tokenizer { get; }

    ITokenizer IModel.Tokenizer => Tokenizer;

    public IChatTemplate? ChatTemplate => null;

    public GenerationDefaults GenerationDefaults { get; } = new();

    public KvCacheLayout KvCacheLayout { get; }

    private ComputeGraph? _graph;

    /// <summary>The same graph (and weights) for every engine built on this model.</summary>
    public ComputeGraph BuildStepGraph() => _graph ??= Build();

    private ComputeGraph Build()
    {
        var g = new GraphBuilder();
        int vocab = Tokenizer.VocabSize;
        GraphTensor embedding = g.Weight(Weight("embd", vocab, Dim, 1f));
        GraphTensor x = g.GetRows(embedding, g.TokenIds);
        float[] invFreq = Enumerable.Range(0, HeadDim / 2).Select(i => (float)Math.Pow(10000, -2.0 * i / HeadDim)).ToArray();
        for (int layer = 0; layer < Layers; layer++)
        {
            GraphTensor h = g.RmsNorm(x, g.Weight(Weight($"attn_norm.{layer}", 1, Dim, 0.1f, 1f)), 1e-5f);
            GraphTensor q = g.MatMul(h, g.Weight(Weight($"q.{layer}", Heads * HeadDim, Dim, 0.4f)));
            GraphTensor k = g.MatMul(h, g.Weight(Weight($"k.{layer}", KvHeads * HeadDim, Dim, 0.4f)));
            GraphTensor v = g.MatMul(h, g.Weight(Weight($"v.{layer}", KvHeads * HeadDim, Dim, 0.4f)));
            q = g.Rope(q, new RopeParams(Heads, HeadDim, HeadDim, RopeStyle.NeoX, invFreq));
            k = g.Rope(k, new RopeParams(KvHeads, HeadDim, HeadDim, RopeStyle.NeoX, invFreq));
            GraphTensor a = g.Attention(q, k, v, new AttentionParams(layer, Heads, KvHeads, HeadDim, HeadDim, 1f / MathF.Sqrt(HeadDim)));
            x = g.Add(x, g.MatMul(a, g.Weight(Weight($"o.{layer}", Dim, Heads * HeadDim, 0.4f))));
            h = g.RmsNorm(x, g.Weight(Weight($"ffn_norm.{layer}", 1, Dim, 0.1f, 1f)), 1e-5f);
            GraphTensor gate = g.MatMul(h, g.Weight(Weight($"gate.{layer}", Ffn, Dim, 0.4f)));
            GraphTensor up = g.MatMul(h, g.Weight(Weight($"up.{layer}", Ffn, Dim, 0.4f)));
            x = g.Add(x, g.MatMul(g.SwiGlu(gate, up), g.Weight(Weight($"down.{layer}", Dim, Ffn, 0.3f))));
        }

        x = g.SelectOutputRows(x);
        x = g.RmsNorm(x, g.Weight(Weight("out_norm", 1, Dim, 0.1f, 1f)), 1e-5f);
        return g.Build(g.MatMul(x, g.Weight(Weight("output", vocab, Dim, 1.5f))));
    }

    private WeightTensor Weight(string name, int rows, int columns, float scale, float offset = 0f)
    {
        long count = (long)rows * columns;
        float* data = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        _allocations.Add((nint)data);
        for (long i = 0; i < count; i++)
        {
            data[i] = offset + (scale * (float)((_random.NextDouble() * 2) - 1));
        }

        long[] shape = rows == 1 ? [columns] : [rows, columns];
        return new WeightTensor(name, DType.F32, shape, (byte*)data, count * sizeof(float));
    }

    public void Dispose()
    {
        foreach (nint p in _allocations)
        {
            NativeMemory.AlignedFree((void*)p);
        }

        _allocations.Clear();
    }
}
