using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Backends.Cpu.Tests.Support;

/// <summary>
/// A one-layer DeepSeek-shaped step graph with random weights of one dtype: MLA attention in the absorbed form
/// (nope/rope splits, W_UK folded into the query, latent attention, W_UV) and a routed MoE FFN (sigmoid routing with
/// groups and a correction bias, gate/up/down experts, weighted combine), every op of contract 1.2 included.
/// </summary>
internal sealed class MiniDeepSeek
{
    public const int Vocab = 64, Dim = 64, Heads = 4, Nope = 32, Rope = 8, Latent = 32, ValueDim = 16;
    public const int Experts = 8, PerToken = 2, ExpertFfn = 32;

    public MiniDeepSeek(DType type)
    {
        int seed = 300;
        WeightTensor W(string name, int rows, int columns) =>
            TestWeights.Create(name, type, rows, columns, Data.Gaussian(rows * columns, seed++, scale: 1f / MathF.Sqrt(columns)));
        WeightTensor Norm(string name, int width) => TestWeights.Create(name, DType.F32, 1, width, Enumerable.Range(0, width).Select(i => 1f + (0.01f * (i % 5))).ToArray());

        var b = new GraphBuilder();
        float[] inverse = Enumerable.Range(0, Rope / 2).Select(i => MathF.Pow(10000f, -2f * i / Rope)).ToArray();
        GraphTensor x = b.GetRows(b.Weight(TestWeights.Create("embd", type, Vocab, Dim, Data.Gaussian(Vocab * Dim, 1))), b.TokenIds);

        // MLA attention, absorbed: scores over the cached latent and rope key, values are latents.
        GraphTensor h = b.RmsNorm(x, b.Weight(Norm("attn_norm", Dim)), 1e-6f);
        GraphTensor q = b.MatMul(h, b.Weight(W("attn_q", Heads * (Nope + Rope), Dim)));
        GraphTensor qRope = b.Rope(b.SliceColumns(q, Heads, Nope, Rope), new RopeParams(Heads, Rope, Rope, RopeStyle.Interleaved, inverse));
        GraphTensor qLatent = b.HeadMatMul(b.SliceColumns(q, Heads, 0, Nope), b.Weight(W("attn_k_b", Heads * Latent, Nope)), Heads);
        GraphTensor kv = b.MatMul(h, b.Weight(W("attn_kv_a_mqa", Latent + Rope, Dim)));
        GraphTensor latent = b.RmsNorm(b.SliceColumns(kv, 1, 0, Latent), b.Weight(Norm("attn_kv_a_norm", Latent)), 1e-6f);
        GraphTensor ropeKey = b.Rope(b.SliceColumns(kv, 1, Latent, Rope), new RopeParams(1, Rope, Rope, RopeStyle.Interleaved, inverse));
        GraphTensor a = b.LatentAttention(b.ConcatColumns(qLatent, qRope, Heads), latent, ropeKey, new LatentAttentionParams(0, Heads, Latent, Rope, 1f / MathF.Sqrt(Nope + Rope)));
        GraphTensor values = b.HeadMatMul(a, b.Weight(W("attn_v_b", Heads * ValueDim, Latent)), Heads);
        x = b.Add(x, b.MatMul(values, b.Weight(W("attn_output", Dim, Heads * ValueDim))));

        // Routed experts.
        h = b.RmsNorm(x, b.Weight(Norm("ffn_norm", Dim)), 1e-6f);
        GraphTensor bias = b.Weight(TestWeights.Create("exp_probs_b", DType.F32, 1, Experts, Data.Gaussian(Experts, 9, scale: 0.05f)));
        var route = new MoeRouteParams(0, Experts, PerToken, MoeScoring.Sigmoid, 4, 2, true, 2.5f);
        GraphTensor routes = b.MoeRoute(b.MatMul(h, b.Weight(W("ffn_gate_inp", Experts, Dim))), bias, route);
        var experts = new ExpertMatMulParams(0, Experts, PerToken);
        GraphTensor gate = b.ExpertMatMul(h, routes, b.Weight(W("ffn_gate_exps", Experts * ExpertFfn, Dim)), experts);
        GraphTensor up = b.ExpertMatMul(h, routes, b.Weight(W("ffn_up_exps", Experts * ExpertFfn, Dim)), experts);
        GraphTensor down = b.ExpertMatMul(b.SwiGlu(gate, up), routes, b.Weight(W("ffn_down_exps", Experts * Dim, ExpertFfn)), experts);
        x = b.Add(x, b.MoeCombine(down, routes, PerToken));

        GraphTensor final = b.RmsNorm(b.SelectOutputRows(x), b.Weight(Norm("output_norm", Dim)), 1e-6f);
        Graph = b.Build(b.MatMul(final, b.Weight(W("output", Vocab, Dim))));
    }

    public ComputeGraph Graph { get; }

    public static TestKvCache NewCache() => new(new KvCacheLayout(1, [Latent, Rope], 64), 4, 24);
}
