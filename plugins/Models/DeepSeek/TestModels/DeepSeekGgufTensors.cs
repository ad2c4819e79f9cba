using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.DeepSeek.Config;

namespace LlmFramework.Models.DeepSeek.TestModels;

/// <summary>
/// Hugging Face DeepSeek tensors to GGUF <c>deepseek2</c> tensors, as llama.cpp's convert_hf_to_gguf.py does for
/// DeepseekV2/V3: llama.cpp names; no q/k row permutation (both forms rotate interleaved pairs); kv_b_proj split per
/// head into attn_k_b (the K part transposed) and attn_v_b (the V part as is); the routed experts stacked into
/// ffn_*_exps; the router's correction bias as exp_probs_b.bias.
/// </summary>
internal static class DeepSeekGgufTensors
{
    /// <summary>The GGUF tensors (name, shape outermost first, values) of <paramref name="w"/>, token_embd first.</summary>
    public static IEnumerable<(string Name, long[] Shape, float[] Values)> FromHuggingFace(DeepSeekConfig c, DeepSeekTestWeights w)
    {
        (string, long[], float[]) Same(string ggufName, string hfName)
        {
            (long[] shape, float[] values) = w[hfName];
            return (ggufName, shape, values);
        }

        IEnumerable<(string, long[], float[])> Dense(string g, string hf, string suffix)
        {
            yield return Same($"{g}ffn_gate{suffix}.weight", hf + "gate_proj.weight");
            yield return Same($"{g}ffn_up{suffix}.weight", hf + "up_proj.weight");
            yield return Same($"{g}ffn_down{suffix}.weight", hf + "down_proj.weight");
        }

        int h = c.HeadCount, e = c.HiddenSize, n = c.RoutedExperts, fe = c.MoeIntermediateSize;
        yield return Same("token_embd.weight", "model.embed_tokens.weight");
        for (int l = 0; l < c.LayerCount; l++)
        {
            string g = $"blk.{l}.", p = $"model.layers.{l}.", a = p + "self_attn.";
            yield return Same(g + "attn_norm.weight", p + "input_layernorm.weight");
            if (c.QLoraRank > 0)
            {
                yield return Same(g + "attn_q_a.weight", a + "q_a_proj.weight");
                yield return Same(g + "attn_q_a_norm.weight", a + "q_a_layernorm.weight");
                yield return Same(g + "attn_q_b.weight", a + "q_b_proj.weight");
            }
            else
            {
                yield return Same(g + "attn_q.weight", a + "q_proj.weight");
            }

            yield return Same(g + "attn_kv_a_mqa.weight", a + "kv_a_proj_with_mqa.weight");
            yield return Same(g + "attn_kv_a_norm.weight", a + "kv_a_layernorm.weight");
            (float[] kB, float[] vB) = SplitKvB(w[a + "kv_b_proj.weight"].Values, h, c.QkNopeHeadDim, c.VHeadDim, c.KvLoraRank);
            yield return (g + "attn_k_b.weight", [h, c.KvLoraRank, c.QkNopeHeadDim], kB);
            yield return (g + "attn_v_b.weight", [h, c.VHeadDim, c.KvLoraRank], vB);
            yield return Same(g + "attn_output.weight", a + "o_proj.weight");
            yield return Same(g + "ffn_norm.weight", p + "post_attention_layernorm.weight");
            if (l < c.DenseLayerCount)
            {
                foreach (var t in Dense(g, p + "mlp.", ""))
                {
                    yield return t;
                }

                continue;
            }

            yield return Same(g + "ffn_gate_inp.weight", p + "mlp.gate.weight");
            if (c.Gating == ExpertGating.Sigmoid)
            {
                yield return Same(g + "exp_probs_b.bias", p + "mlp.gate.e_score_correction_bias");
            }

            float[] Stack(string projection) =>
                [.. Enumerable.Range(0, n).SelectMany(x => w[$"{p}mlp.experts.{x}.{projection}.weight"].Values)];
            yield return (g + "ffn_gate_exps.weight", [n, fe, e], Stack("gate_proj"));
            yield return (g + "ffn_up_exps.weight", [n, fe, e], Stack("up_proj"));
            yield return (g + "ffn_down_exps.weight", [n, e, fe], Stack("down_proj"));
            if (c.SharedExperts > 0)
            {
                foreach (var t in Dense(g, p + "mlp.shared_experts.", "_shexp"))
                {
                    yield return t;
                }
            }
        }

        yield return Same("output_norm.weight", "model.norm.weight");
        yield return Same("output.weight", "lm_head.weight");
    }

    /// <summary>
    /// Splits kv_b_proj ([H * (nope + v), kv_lora], per head the K rows then the V rows) into k_b
    /// ([H][kv_lora][nope]: each head's K part transposed, ggml {nope, kv_lora, H}) and v_b ([H][v][kv_lora]: the V part
    /// as is, ggml {kv_lora, v, H}).
    /// </summary>
    public static (float[] KB, float[] VB) SplitKvB(ReadOnlySpan<float> kvB, int heads, int nope, int v, int kvLora)
    {
        if (kvB.Length != heads * (nope + v) * kvLora)
        {
            throw new ArgumentException($"kv_b_proj has {kvB.Length} values, not {heads} x ({nope} + {v}) x {kvLora}", nameof(kvB));
        }

        var kB = new float[heads * kvLora * nope];
        var vB = new float[heads * v * kvLora];
        for (int h = 0; h < heads; h++)
        {
            int headRow = h * (nope + v);
            for (int i = 0; i < nope; i++)
            {
                for (int r = 0; r < kvLora; r++)
                {
                    kB[(((h * kvLora) + r) * nope) + i] = kvB[((headRow + i) * kvLora) + r];
                }
            }

            kvB.Slice((headRow + nope) * kvLora, v * kvLora).CopyTo(vB.AsSpan(h * v * kvLora));
        }

        return (kB, vB);
    }

    /// <summary>
    /// How a GGUF tensor is stored when the file's matrices are <paramref name="type"/>: 1-D tensors (norms, the
    /// correction bias) and the router ffn_gate_inp in F32, as llama.cpp's converter keeps them; a matrix whose rows
    /// do not divide into <paramref name="type"/>'s blocks in F16 (the converter's fallback); every other matrix in
    /// <paramref name="type"/>.
    /// </summary>
    public static DType StorageType(string name, long[] shape, DType type)
    {
        if (shape.Length == 1 || name.EndsWith(".ffn_gate_inp.weight", StringComparison.Ordinal))
        {
            return DType.F32;
        }

        return shape[^1] % DTypeInfo.BlockSize(type) == 0 ? type : DType.F16;
    }
}
