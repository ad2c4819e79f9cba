using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// DeepSeek-shaped sublayers run as one partition over a ragged batch with cached history: MLA attention in the
/// absorbed form (projections, nope/rope splits, rope, W_UK folded into the query, latent attention, W_UV, output
/// projection) and a routed MoE FFN (route with a correction bias, gate and up experts, SwiGLU, down experts on the
/// per-slot rows, weighted combine). Checks that a backend chains the contract 1.2 ops correctly.
/// </summary>
internal static class DeepSeekBlockCases
{
    private const int Dim = 128;
    private const int Heads = 4;
    private const int Nope = 32;
    private const int Rope = 16;
    private const int Latent = 64;
    private const int ValueDim = 32;
    private const int Experts = 16;
    private const int PerToken = 4;
    private const int ExpertFfn = 64;

    public static void Add(CaseList cases)
    {
        foreach (DType type in new[] { DType.F32, DType.F16, DType.Q8_0 })
        {
            cases.Add($"Block/mla/{DTypeInfo.Name(type)}/ragged", OpKind.LatentAttention, type,
                $"DeepSeek MLA attention (absorbed) with {type} projections, {Heads} heads, latent {Latent}, rope {Rope}, over a ragged batch; every node compared", s => Mla(s, type));
            cases.Add($"Block/moe/{DTypeInfo.Name(type)}/ragged", OpKind.ExpertMatMul, type,
                $"a routed MoE FFN with {type} experts, {PerToken} of {Experts} (4 groups, 2 kept, sigmoid, bias), over a ragged batch; every node compared", s => Moe(s, type));
        }
    }

    private static void Mla(CaseSetup s, DType type)
    {
        s.SetBatch(Batches.Ragged(), new KvCacheLayout(1, [Latent, Rope], 4096), 16);
        GraphBuilder b = s.Builder;
        GraphTensor Matrix(string name, int rows, int columns) => b.Weight(s.Weight(name, type, rows, columns, s.Normal(1 / Math.Sqrt(columns))));
        var inverse = new float[Rope / 2];
        for (int i = 0; i < inverse.Length; i++)
        {
            inverse[i] = (float)Math.Pow(10000, -2.0 * i / Rope);
        }

        GraphTensor x = s.Input("x", Dim, s.Normal());
        GraphTensor q = b.MatMul(x, Matrix("attn_q", Heads * (Nope + Rope), Dim));
        GraphTensor qNope = b.SliceColumns(q, Heads, 0, Nope, "q_nope");
        GraphTensor qRope = b.Rope(b.SliceColumns(q, Heads, Nope, Rope, "q_pe"), new RopeParams(Heads, Rope, Rope, RopeStyle.Interleaved, inverse), "q_pe_rope");
        GraphTensor qLatent = b.HeadMatMul(qNope, Matrix("attn_k_b", Heads * Latent, Nope), Heads);
        GraphTensor kv = b.MatMul(x, Matrix("attn_kv_a_mqa", Latent + Rope, Dim));
        GraphTensor latent = b.RmsNorm(b.SliceColumns(kv, 1, 0, Latent, "kv_latent"), b.Weight(s.Weight("attn_kv_a_norm", DType.F32, 1, Latent, () => 1 + s.Random.Normal(0.1), vector: true)), 1e-6f);
        GraphTensor ropeKey = b.Rope(b.SliceColumns(kv, 1, Latent, Rope, "k_pe"), new RopeParams(1, Rope, Rope, RopeStyle.Interleaved, inverse), "k_pe_rope");
        var attention = new LatentAttentionParams(0, Heads, Latent, Rope, 1 / MathF.Sqrt(Nope + Rope));
        GraphTensor a = b.LatentAttention(b.ConcatColumns(qLatent, qRope, Heads), latent, ropeKey, attention);
        GraphTensor values = b.HeadMatMul(a, Matrix("attn_v_b", Heads * ValueDim, Latent), Heads);
        s.Finish(b.Add(x, b.MatMul(values, Matrix("attn_output", Dim, Heads * ValueDim))));
    }

    private static void Moe(CaseSetup s, DType type)
    {
        s.SetBatch(Batches.Ragged());
        GraphBuilder b = s.Builder;
        var route = new MoeRouteParams(0, Experts, PerToken, MoeScoring.Sigmoid, 4, 2, true, 2.5f);
        GraphTensor Stack(string name, int rows, int columns) => b.Weight(s.Weight(name, type, Experts * rows, columns, s.Normal(1 / Math.Sqrt(columns))));
        float[] bias = MoeRouteCases.Bias(s, route, DType.F32)!;
        GraphTensor x = s.Input("x", Dim, s.Normal());

        // The router logits are an input with a clear choice, not a matmul of x: a near-tie there would make the
        // routes depend on how the backend rounded the matmul.
        GraphTensor logits = s.Input("router_logits", Experts, CaseSetup.Values(MoeRouteCases.Logits(s, route, bias, s.Batch.TokenCount)));
        GraphTensor routes = b.MoeRoute(logits, b.Weight(s.Weight("exp_probs_b", DType.F32, 1, Experts, CaseSetup.Values(bias), vector: true)), route);
        var experts = new ExpertMatMulParams(0, Experts, PerToken);
        GraphTensor gate = b.ExpertMatMul(x, routes, Stack("ffn_gate_exps", ExpertFfn, Dim), experts);
        GraphTensor up = b.ExpertMatMul(x, routes, Stack("ffn_up_exps", ExpertFfn, Dim), experts);
        GraphTensor down = b.ExpertMatMul(b.SwiGlu(gate, up), routes, Stack("ffn_down_exps", Dim, ExpertFfn), experts);
        s.Finish(b.Add(x, b.MoeCombine(down, routes, PerToken)));
    }
}
