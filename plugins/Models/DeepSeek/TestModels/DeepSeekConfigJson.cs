using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Json;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Tokenizers;

namespace LlmFramework.Models.DeepSeek.TestModels;

/// <summary>
/// Writes a <see cref="DeepSeekConfig"/> as a DeepSeek-V2/V3 config.json (the keys of DeepSeek's own configs, read back
/// by <see cref="DeepSeekHuggingFaceConfigReader"/>): q_lora_rank null without a q low-rank path, topk_method
/// noaux_tc for sigmoid gating and greedy / group_limited_greedy for softmax, rope_scaling yarn or null, untied
/// embeddings.
/// </summary>
internal static class DeepSeekConfigJson
{
    public static void Write(string path, DeepSeekConfig c, DType type)
    {
        bool sigmoid = c.Gating == ExpertGating.Sigmoid;
        (string Key, int Value)[] counts =
        [
            ("vocab_size", c.VocabSize),
            ("hidden_size", c.HiddenSize),
            ("intermediate_size", c.IntermediateSize),
            ("moe_intermediate_size", c.MoeIntermediateSize),
            ("num_hidden_layers", c.LayerCount),
            ("num_nextn_predict_layers", 0),
            ("num_attention_heads", c.HeadCount),
            ("num_key_value_heads", c.HeadCount),
            ("n_shared_experts", c.SharedExperts),
            ("n_routed_experts", c.RoutedExperts),
            ("kv_lora_rank", c.KvLoraRank),
            ("qk_rope_head_dim", c.QkRopeHeadDim),
            ("v_head_dim", c.VHeadDim),
            ("qk_nope_head_dim", c.QkNopeHeadDim),
            ("n_group", c.ExpertGroups),
            ("topk_group", c.ExpertGroupsUsed),
            ("num_experts_per_tok", c.ExpertsPerToken),
            ("moe_layer_freq", 1),
            ("first_k_dense_replace", c.DenseLayerCount),
            ("max_position_embeddings", c.MaxPositionEmbeddings),
            ("bos_token_id", TestVocabulary.BosId),
            ("eos_token_id", TestVocabulary.EosId),
        ];
        JsonFileWriter.WriteObject(path, j =>
        {
            j.WriteStartArray("architectures");
            j.WriteStringValue(c.Architecture);
            j.WriteEndArray();
            j.WriteString("model_type", sigmoid ? "deepseek_v3" : "deepseek_v2");
            foreach ((string key, int value) in counts)
            {
                j.WriteNumber(key, value);
            }

            if (c.QLoraRank > 0)
            {
                j.WriteNumber("q_lora_rank", c.QLoraRank);
            }
            else
            {
                j.WriteNull("q_lora_rank");
            }

            j.WriteString("scoring_func", sigmoid ? "sigmoid" : "softmax");
            j.WriteString("topk_method", sigmoid ? "noaux_tc" : c.ExpertGroups > 1 ? "group_limited_greedy" : "greedy");
            j.WriteBoolean("norm_topk_prob", c.NormalizeTopKWeights);
            j.WriteNumber("routed_scaling_factor", c.RoutedScalingFactor);
            j.WriteNumber("rms_norm_eps", c.RmsNormEpsilon);
            j.WriteNumber("rope_theta", c.RopeTheta);
            if (c.RopeScaling is { } yarn)
            {
                j.WriteStartObject("rope_scaling");
                j.WriteString("type", "yarn");
                j.WriteNumber("factor", yarn.Factor);
                j.WriteNumber("original_max_position_embeddings", yarn.OriginalMaxPositionEmbeddings);
                j.WriteNumber("beta_fast", yarn.BetaFast);
                j.WriteNumber("beta_slow", yarn.BetaSlow);
                j.WriteNumber("mscale", yarn.MScale);
                j.WriteNumber("mscale_all_dim", yarn.MScaleAllDim);
                j.WriteEndObject();
            }
            else
            {
                j.WriteNull("rope_scaling");
            }

            j.WriteString("hidden_act", "silu");
            j.WriteBoolean("attention_bias", false);
            j.WriteBoolean("tie_word_embeddings", false);
            j.WriteString("torch_dtype", type switch { DType.F16 => "float16", DType.BF16 => "bfloat16", _ => "float32" });
        });
    }
}
