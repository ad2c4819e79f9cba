using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats;
using LlmFramework.Models.DeepSeek.Config;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>
/// The weights of a deepseek2 GGUF file under llama.cpp's tensor names (see docs/moe.md). GGUF already stores the
/// absorbed layout: attn_k_b {Dn, C, H} and attn_v_b {C, Dv, H}, and experts stacked as ffn_*_exps.
/// </summary>
internal static class GgufDeepSeekWeightLoader
{
    public static DeepSeekWeights Load(DeepSeekConfig c, CheckedTensors t)
    {
        long e = c.HiddenSize, h = c.HeadCount, qk = c.QkHeadDim, kvr = c.KvLoraRank, rope = c.QkRopeHeadDim;
        var attention = new DeepSeekAttentionWeights[c.LayerCount];
        var ffn = new DeepSeekFeedForwardWeights[c.LayerCount];
        for (int l = 0; l < c.LayerCount; l++)
        {
            string p = $"blk.{l}.";
            bool qLora = c.QLoraRank > 0;
            attention[l] = new DeepSeekAttentionWeights
            {
                Norm = t.Vector(p + "attn_norm.weight", e),
                QueryA = qLora ? t.Matrix(p + "attn_q_a.weight", c.QLoraRank, e) : null,
                QueryANorm = qLora ? t.Vector(p + "attn_q_a_norm.weight", c.QLoraRank) : null,
                Query = qLora ? t.Matrix(p + "attn_q_b.weight", h * qk, c.QLoraRank) : t.Matrix(p + "attn_q.weight", h * qk, e),
                KvA = t.Matrix(p + "attn_kv_a_mqa.weight", kvr + rope, e),
                KvANorm = t.Vector(p + "attn_kv_a_norm.weight", kvr),
                KeyB = t.Matrix(p + "attn_k_b.weight", h * kvr, c.QkNopeHeadDim),
                ValueB = t.Matrix(p + "attn_v_b.weight", h * c.VHeadDim, kvr),
                Output = t.Matrix(p + "attn_output.weight", e, h * c.VHeadDim),
            };
            ffn[l] = l < c.DenseLayerCount ? Dense(c, t, p) : Moe(c, t, p);
        }

        return new DeepSeekWeights
        {
            TokenEmbedding = t.Matrix("token_embd.weight", c.VocabSize, e),
            Attention = attention,
            FeedForward = ffn,
            OutputNorm = t.Vector("output_norm.weight", e),
            Output = t.Matrix("output.weight", c.VocabSize, e),
        };
    }

    private static DeepSeekFeedForwardWeights Dense(DeepSeekConfig c, CheckedTensors t, string p) => new()
    {
        Norm = t.Vector(p + "ffn_norm.weight", c.HiddenSize),
        Gate = t.Matrix(p + "ffn_gate.weight", c.IntermediateSize, c.HiddenSize),
        Up = t.Matrix(p + "ffn_up.weight", c.IntermediateSize, c.HiddenSize),
        Down = t.Matrix(p + "ffn_down.weight", c.HiddenSize, c.IntermediateSize),
    };

    private static DeepSeekFeedForwardWeights Moe(DeepSeekConfig c, CheckedTensors t, string p)
    {
        long e = c.HiddenSize, n = c.RoutedExperts, fe = c.MoeIntermediateSize, shared = fe * c.SharedExperts;
        string bias = p + "exp_probs_b.bias";
        return new DeepSeekFeedForwardWeights
        {
            Norm = t.Vector(p + "ffn_norm.weight", e),
            Router = t.Matrix(p + "ffn_gate_inp.weight", n, e),
            RouterBias = t.Contains(bias) ? t.Vector(bias, n) : null,
            ExpertGate = t.Matrix(p + "ffn_gate_exps.weight", n * fe, e),
            ExpertUp = t.Matrix(p + "ffn_up_exps.weight", n * fe, e),
            ExpertDown = t.Matrix(p + "ffn_down_exps.weight", n * e, fe),
            SharedGate = shared > 0 ? t.Matrix(p + "ffn_gate_shexp.weight", shared, e) : null,
            SharedUp = shared > 0 ? t.Matrix(p + "ffn_up_shexp.weight", shared, e) : null,
            SharedDown = shared > 0 ? t.Matrix(p + "ffn_down_shexp.weight", e, shared) : null,
        };
    }
}
