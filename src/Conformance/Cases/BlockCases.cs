using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// A whole LLaMA-style transformer block plus the output head, run as one partition: embedding lookup, norms,
/// projections, rope, attention over a ragged batch with cached history, SwiGLU FFN, residuals, output-row
/// selection and logits. Checks that a backend chains nodes correctly (reads what it wrote a node earlier).
/// </summary>
internal static class BlockCases
{
    private const int Dim = 256;
    private const int Heads = 4;
    private const int KvHeads = 2;
    private const int HeadDim = 64;
    private const int Ffn = 512;
    private const int Vocab = 64;

    public static void Add(CaseList cases)
    {
        foreach (DType type in new[] { DType.F32, DType.F16, DType.Q8_0, DType.Q4_K })
        {
            cases.Add($"Block/{DTypeInfo.Name(type)}/llama-like/ragged", OpKind.Attention, type,
                $"a transformer block with {type} projections, {Heads} heads over {KvHeads} KV heads, over a ragged batch; every node compared", s => Build(s, type));
        }
    }

    private static void Build(CaseSetup s, DType type)
    {
        s.SetBatch(Batches.Ragged(), new KvCacheLayout(1, [KvHeads * HeadDim, KvHeads * HeadDim], 4096), 16, () => s.Random.NextInt(Vocab));
        GraphBuilder b = s.Builder;
        GraphTensor Matrix(string name, int rows, int columns) => b.Weight(s.Weight(name, type, rows, columns, s.Normal(1 / Math.Sqrt(columns))));
        GraphTensor Norm(string name) => b.Weight(s.Weight(name, DType.F32, 1, Dim, () => 1 + s.Random.Normal(0.1), vector: true));
        var inverse = new float[HeadDim / 2];
        for (int i = 0; i < inverse.Length; i++)
        {
            inverse[i] = (float)Math.Pow(10000, -2.0 * i / HeadDim);
        }

        GraphTensor x = b.GetRows(b.Weight(s.Weight("token_embd", type, Vocab, Dim, s.Normal())), b.TokenIds);
        GraphTensor h = b.RmsNorm(x, Norm("attn_norm"), 1e-5f);
        GraphTensor q = b.Rope(b.MatMul(h, Matrix("attn_q", Heads * HeadDim, Dim)), new RopeParams(Heads, HeadDim, HeadDim, RopeStyle.NeoX, inverse), "q_rope");
        GraphTensor k = b.Rope(b.MatMul(h, Matrix("attn_k", KvHeads * HeadDim, Dim)), new RopeParams(KvHeads, HeadDim, HeadDim, RopeStyle.NeoX, inverse), "k_rope");
        GraphTensor v = b.MatMul(h, Matrix("attn_v", KvHeads * HeadDim, Dim));
        GraphTensor a = b.Attention(q, k, v, new AttentionParams(0, Heads, KvHeads, HeadDim, HeadDim, 1 / MathF.Sqrt(HeadDim)));
        GraphTensor x2 = b.Add(x, b.MatMul(a, Matrix("attn_output", Dim, Heads * HeadDim)));
        GraphTensor h2 = b.RmsNorm(x2, Norm("ffn_norm"), 1e-5f);
        GraphTensor f = b.SwiGlu(b.MatMul(h2, Matrix("ffn_gate", Ffn, Dim)), b.MatMul(h2, Matrix("ffn_up", Ffn, Dim)));
        GraphTensor x3 = b.Add(x2, b.MatMul(f, Matrix("ffn_down", Dim, Ffn)));
        GraphTensor o = b.RmsNorm(b.SelectOutputRows(x3), Norm("output_norm"), 1e-5f);
        s.Finish(b.MatMul(o, Matrix("output", Vocab, Dim)));
    }
}
