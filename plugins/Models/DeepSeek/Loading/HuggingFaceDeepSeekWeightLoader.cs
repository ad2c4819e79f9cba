using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Quantization;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>
/// The weights of a Hugging Face DeepSeek checkpoint turned into the absorbed layout the graph uses: kv_b_proj
/// [H*(Dn+Dv), C] is split per head into W_UK transposed ([H*C, Dn]) and W_UV ([H*Dv, C]) as owned F32 copies (as
/// llama.cpp's converter writes attn_k_b / attn_v_b), and the per-expert projections are stacked expert-major into
/// owned copies of their dtype (the GGUF ffn_*_exps layout).
/// </summary>
internal static unsafe class HuggingFaceDeepSeekWeightLoader
{
    public static DeepSeekWeights Load(DeepSeekConfig c, CheckedTensors t)
    {
        long e = c.HiddenSize, h = c.HeadCount, qk = c.QkHeadDim, kvr = c.KvLoraRank, rope = c.QkRopeHeadDim;
        var attention = new DeepSeekAttentionWeights[c.LayerCount];
        var ffn = new DeepSeekFeedForwardWeights[c.LayerCount];
        for (int l = 0; l < c.LayerCount; l++)
        {
            string p = $"model.layers.{l}.";
            bool qLora = c.QLoraRank > 0;
            (WeightTensor keyB, WeightTensor valueB) = SplitKvB(c, t, p + "self_attn.kv_b_proj.weight", l);
            attention[l] = new DeepSeekAttentionWeights
            {
                Norm = t.Vector(p + "input_layernorm.weight", e),
                QueryA = qLora ? t.Matrix(p + "self_attn.q_a_proj.weight", c.QLoraRank, e) : null,
                QueryANorm = qLora ? t.Vector(p + "self_attn.q_a_layernorm.weight", c.QLoraRank) : null,
                Query = qLora ? t.Matrix(p + "self_attn.q_b_proj.weight", h * qk, c.QLoraRank) : t.Matrix(p + "self_attn.q_proj.weight", h * qk, e),
                KvA = t.Matrix(p + "self_attn.kv_a_proj_with_mqa.weight", kvr + rope, e),
                KvANorm = t.Vector(p + "self_attn.kv_a_layernorm.weight", kvr),
                KeyB = keyB,
                ValueB = valueB,
                Output = t.Matrix(p + "self_attn.o_proj.weight", e, h * c.VHeadDim),
            };
            ffn[l] = l < c.DenseLayerCount ? Dense(c, t, p) : Moe(c, t, p, l);
        }

        return new DeepSeekWeights
        {
            TokenEmbedding = t.Matrix("model.embed_tokens.weight", c.VocabSize, e),
            Attention = attention,
            FeedForward = ffn,
            OutputNorm = t.Vector("model.norm.weight", e),
            Output = t.Matrix("lm_head.weight", c.VocabSize, e),
        };
    }

    private static (WeightTensor KeyB, WeightTensor ValueB) SplitKvB(DeepSeekConfig c, CheckedTensors t, string name, int layer)
    {
        int h = c.HeadCount, nope = c.QkNopeHeadDim, v = c.VHeadDim, kvr = c.KvLoraRank;
        WeightTensor kvB = t.Matrix(name, (long)h * (nope + v), kvr);
        float[] all = new float[kvB.Rows * kvB.Columns];
        BlockQuantizer.Dequantize(kvB.Type, kvB.Bytes, all);
        var keyB = new float[(long)h * kvr * nope];
        var valueB = new float[(long)h * v * kvr];
        for (int head = 0; head < h; head++)
        {
            int headRow = head * (nope + v);
            for (int i = 0; i < nope; i++)
            {
                for (int j = 0; j < kvr; j++)
                {
                    keyB[(((long)head * kvr) + j) * nope + i] = all[(((long)headRow + i) * kvr) + j];
                }
            }

            Array.Copy(all, ((long)headRow + nope) * kvr, valueB, (long)head * v * kvr, (long)v * kvr);
        }

        return (
            t.Owned.CreateF32($"blk.{layer}.attn_k_b.weight", [h, kvr, nope], keyB),
            t.Owned.CreateF32($"blk.{layer}.attn_v_b.weight", [h, v, kvr], valueB));
    }

    private static DeepSeekFeedForwardWeights Dense(DeepSeekConfig c, CheckedTensors t, string p) => new()
    {
        Norm = t.Vector(p + "post_attention_layernorm.weight", c.HiddenSize),
        Gate = t.Matrix(p + "mlp.gate_proj.weight", c.IntermediateSize, c.HiddenSize),
        Up = t.Matrix(p + "mlp.up_proj.weight", c.IntermediateSize, c.HiddenSize),
        Down = t.Matrix(p + "mlp.down_proj.weight", c.HiddenSize, c.IntermediateSize),
    };

    private static DeepSeekFeedForwardWeights Moe(DeepSeekConfig c, CheckedTensors t, string p, int layer)
    {
        long e = c.HiddenSize, n = c.RoutedExperts, fe = c.MoeIntermediateSize, shared = fe * c.SharedExperts;
        string bias = p + "mlp.gate.e_score_correction_bias";
        return new DeepSeekFeedForwardWeights
        {
            Norm = t.Vector(p + "post_attention_layernorm.weight", e),
            Router = t.Matrix(p + "mlp.gate.weight", n, e),
            RouterBias = t.Contains(bias) ? t.Vector(bias, n) : null,
            ExpertGate = Stack(c, t, p, "gate_proj", fe, e, $"blk.{layer}.ffn_gate_exps.weight"),
            ExpertUp = Stack(c, t, p, "up_proj", fe, e, $"blk.{layer}.ffn_up_exps.weight"),
            ExpertDown = Stack(c, t, p, "down_proj", e, fe, $"blk.{layer}.ffn_down_exps.weight"),
            SharedGate = shared > 0 ? t.Matrix(p + "mlp.shared_experts.gate_proj.weight", shared, e) : null,
            SharedUp = shared > 0 ? t.Matrix(p + "mlp.shared_experts.up_proj.weight", shared, e) : null,
            SharedDown = shared > 0 ? t.Matrix(p + "mlp.shared_experts.down_proj.weight", e, shared) : null,
        };
    }

    /// <summary>mlp.experts.J.{projection}.weight for every J, copied expert-major into one owned tensor.</summary>
    private static WeightTensor Stack(DeepSeekConfig c, CheckedTensors t, string p, string projection, long rows, long columns, string stackedName)
    {
        int n = c.RoutedExperts;
        WeightTensor first = t.Matrix($"{p}mlp.experts.0.{projection}.weight", rows, columns);
        WeightTensor stacked = t.Owned.Allocate(stackedName, first.Type, [n, rows, columns]);
        for (int j = 0; j < n; j++)
        {
            string name = $"{p}mlp.experts.{j}.{projection}.weight";
            WeightTensor expert = j == 0 ? first : t.Matrix(name, rows, columns);
            if (expert.Type != first.Type)
            {
                throw new ModelLoadException(t.Path, $"{name} is {expert.Type} but expert 0's {projection} is {first.Type}; the experts of a layer must share one dtype");
            }

            Buffer.MemoryCopy(expert.Data, stacked.Data + (j * expert.ByteLength), expert.ByteLength, expert.ByteLength);
        }

        return stacked;
    }
}
