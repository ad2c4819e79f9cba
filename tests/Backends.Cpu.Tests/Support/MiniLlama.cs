using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Backends.Cpu.Tests.Support;

/// <summary>A two-layer LLaMA-shaped step graph (GQA, NeoX rope, SwiGLU) with random weights of one dtype.</summary>
internal sealed class MiniLlama
{
    public const int Vocab = 96, Dim = 256, Heads = 4, KvHeads = 2, HeadDim = 64, Ffn = 512, Layers = 2;

    public MiniLlama(DType type)
        : this(type, Vocab, Dim, Heads, KvHeads, Ffn, Layers)
    {
    }

    /// <summary>A graph of the given size (head dim 64): e.g. vocab 32000, dim 768, 12 heads, 12 layers, ffn 2048 is ~130M parameters.</summary>
    public MiniLlama(DType type, int vocab, int dim, int heads, int kvHeads, int ffn, int layers)
    {
        const int HeadDim = 64;
        int Vocab = vocab, Dim = dim, Heads = heads, KvHeads = kvHeads, Ffn = ffn, Layers = layers;
        int seed = 100;
        WeightTensor W(string name, int rows, int columns, DType t) =>
            TestWeights.Create(name, t, rows, columns, Data.Gaussian(rows * columns, seed++, scale: 1f / MathF.Sqrt(columns)));
        WeightTensor Norm(string name) => TestWeights.Create(name, DType.F32, 1, Dim, Enumerable.Range(0, Dim).Select(i => 1f + (0.01f * (i % 7))).ToArray());

        var b = new GraphBuilder();
        float[] inverse = Enumerable.Range(0, HeadDim / 2).Select(i => MathF.Pow(10000f, -2f * i / HeadDim)).ToArray();
        var rope = new RopeParams(Heads, HeadDim, HeadDim, RopeStyle.NeoX, inverse);
        var ropeK = new RopeParams(KvHeads, HeadDim, HeadDim, RopeStyle.NeoX, inverse);
        GraphTensor x = b.GetRows(b.Weight(TestWeights.Create("embd", type, Vocab, Dim, Data.Gaussian(Vocab * Dim, 1))), b.TokenIds);
        for (int l = 0; l < Layers; l++)
        {
            GraphTensor h = b.RmsNorm(x, b.Weight(Norm($"attn_norm.{l}")), 1e-5f);
            GraphTensor q = b.Rope(b.MatMul(h, b.Weight(W($"wq.{l}", Heads * HeadDim, Dim, type))), rope);
            GraphTensor k = b.Rope(b.MatMul(h, b.Weight(W($"wk.{l}", KvHeads * HeadDim, Dim, type))), ropeK);
            GraphTensor v = b.MatMul(h, b.Weight(W($"wv.{l}", KvHeads * HeadDim, Dim, type)));
            GraphTensor a = b.Attention(q, k, v, new AttentionParams(l, Heads, KvHeads, HeadDim, HeadDim, 1f / MathF.Sqrt(HeadDim)));
            x = b.Add(x, b.MatMul(a, b.Weight(W($"wo.{l}", Dim, Heads * HeadDim, type))));
            h = b.RmsNorm(x, b.Weight(Norm($"ffn_norm.{l}")), 1e-5f);
            GraphTensor g = b.MatMul(h, b.Weight(W($"wg.{l}", Ffn, Dim, type)));
            GraphTensor u = b.MatMul(h, b.Weight(W($"wu.{l}", Ffn, Dim, type)));
            x = b.Add(x, b.MatMul(b.SwiGlu(g, u), b.Weight(W($"wd.{l}", Dim, Ffn, type))));
        }

        GraphTensor final = b.RmsNorm(b.SelectOutputRows(x), b.Weight(Norm("out_norm")), 1e-5f);
        Graph = b.Build(b.MatMul(final, b.Weight(W("output", Vocab, Dim, type))));
    }

    public ComputeGraph Graph { get; }

    /// <summary>Bytes of weights a decode step reads (every 2-D weight once; the embedding only one row).</summary>
    public long WeightBytesPerToken => Graph.Tensors.Where(t => t.Weight is { Rows: > 1 } && t.Name != "embd").Sum(t => t.Weight!.ByteLength);

    public static TestKvCache NewCache() => new(new KvCacheLayout(Layers, [KvHeads * HeadDim, KvHeads * HeadDim], 64), 4, 24);
}
