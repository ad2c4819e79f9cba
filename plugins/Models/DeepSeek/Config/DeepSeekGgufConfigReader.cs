using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Gguf;

namespace LlmFramework.Models.DeepSeek.Config;

/// <summary>Reads a <see cref="DeepSeekConfig"/> from the <c>deepseek2.*</c> metadata of a GGUF file (llama.cpp's key names).</summary>
public static class DeepSeekGgufConfigReader
{
    /// <summary>The GGUF architecture name.</summary>
    public const string Architecture = "deepseek2";

    private const string P = Architecture + ".";

    /// <summary>Hugging Face key -> the GGUF key that carries it, for error messages.</summary>
    public static readonly IReadOnlyDictionary<string, string> KeyNames = new Dictionary<string, string>
    {
        ["hidden_size"] = P + "embedding_length",
        ["intermediate_size"] = P + "feed_forward_length",
        ["moe_intermediate_size"] = P + "expert_feed_forward_length",
        ["num_hidden_layers"] = P + "block_count",
        ["first_k_dense_replace"] = P + "leading_dense_block_count",
        ["num_attention_heads"] = P + "attention.head_count",
        ["vocab_size"] = P + "vocab_size",
        ["max_position_embeddings"] = P + "context_length",
        ["rms_norm_eps"] = P + "attention.layer_norm_rms_epsilon",
        ["rope_theta"] = P + "rope.freq_base",
        ["q_lora_rank"] = P + "attention.q_lora_rank",
        ["kv_lora_rank"] = P + "attention.kv_lora_rank",
        ["qk_nope_head_dim"] = P + "attention.key_length_mla - rope.dimension_count",
        ["qk_rope_head_dim"] = P + "rope.dimension_count",
        ["v_head_dim"] = P + "attention.value_length_mla",
        ["n_routed_experts"] = P + "expert_count",
        ["n_shared_experts"] = P + "expert_shared_count",
        ["num_experts_per_tok"] = P + "expert_used_count",
        ["n_group"] = P + "expert_group_count",
        ["topk_group"] = P + "expert_group_used_count",
        ["scoring_func"] = P + "expert_gating_func",
        ["routed_scaling_factor"] = P + "expert_weights_scale",
    };

    /// <summary>Reads and validates the hyperparameters of <paramref name="file"/>.</summary>
    public static DeepSeekConfig Read(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string arch = file.GetString("general.architecture");
        if (arch != Architecture)
        {
            throw new ModelLoadException(file.Path, $"general.architecture is '{arch}', not '{Architecture}'");
        }

        int rope = file.GetInt32(P + "rope.dimension_count");
        int kvLora = file.GetInt32(P + "attention.kv_lora_rank");

        // MLA files carry the per-head widths in key_length_mla / value_length_mla (key_length is then kv_lora + rope);
        // older files only have key_length / value_length as the per-head widths.
        int keyLength = file.GetOptionalInt32(P + "attention.key_length_mla") ?? file.GetInt32(P + "attention.key_length");
        int valueLength = file.GetOptionalInt32(P + "attention.value_length_mla") ?? file.GetInt32(P + "attention.value_length");
        // llama.cpp reads a missing or 0 (NONE) gating function as softmax, for the V2 / V2.5 files written before the key.
        long gating = file.TryGetInteger(P + "expert_gating_func", out long g) && g != 0 ? g : 1;

        // llama.cpp limits groups only when expert_group_count > 1; 0 or 1 means no grouping, whatever the used count.
        int groups = file.GetOptionalInt32(P + "expert_group_count") ?? 1;
        bool grouped = groups > 1;
        var config = new DeepSeekConfig
        {
            Architecture = arch,
            HiddenSize = file.GetInt32(P + "embedding_length"),
            IntermediateSize = file.GetOptionalInt32(P + "feed_forward_length") ?? 0,
            MoeIntermediateSize = file.GetOptionalInt32(P + "expert_feed_forward_length") ?? 0,
            LayerCount = file.GetInt32(P + "block_count"),
            DenseLayerCount = file.GetOptionalInt32(P + "leading_dense_block_count") ?? 0,
            HeadCount = file.GetInt32(P + "attention.head_count"),
            VocabSize = VocabSize(file),
            MaxPositionEmbeddings = file.GetInt32(P + "context_length"),
            RmsNormEpsilon = file.GetFloat(P + "attention.layer_norm_rms_epsilon"),
            RopeTheta = file.TryGetFloat(P + "rope.freq_base", out float theta) ? theta : 10000f,
            RopeScaling = ReadRopeScaling(file),
            QLoraRank = file.GetOptionalInt32(P + "attention.q_lora_rank") ?? 0,
            KvLoraRank = kvLora,
            QkNopeHeadDim = keyLength - rope,
            QkRopeHeadDim = rope,
            VHeadDim = valueLength,
            RoutedExperts = file.GetOptionalInt32(P + "expert_count") ?? 0,
            SharedExperts = file.GetOptionalInt32(P + "expert_shared_count") ?? 0,
            ExpertsPerToken = file.GetOptionalInt32(P + "expert_used_count") ?? 0,
            ExpertGroups = grouped ? groups : 1,
            ExpertGroupsUsed = grouped ? file.GetOptionalInt32(P + "expert_group_used_count") ?? 0 : 1,
            Gating = gating switch
            {
                1 => ExpertGating.Softmax,
                2 => ExpertGating.Sigmoid,
                _ => throw new ModelLoadException(file.Path, $"{P}expert_gating_func must be 1 (softmax) or 2 (sigmoid), got {gating} (0 or absent: softmax)"),
            },
            NormalizeTopKWeights = file.GetBool(P + "expert_weights_norm", false),
            RoutedScalingFactor = file.TryGetFloat(P + "expert_weights_scale", out float scale) ? scale : 1f,
        };
        DeepSeekConfigValidator.Validate(config, file.Path, KeyNames);
        return config;
    }

    private static YarnRopeScaling? ReadRopeScaling(GgufFile file)
    {
        // llama.cpp reads a factor of 0 as no scaling, and an absent type as linear scaling by the factor.
        float factor = file.TryGetFloat(P + "rope.scaling.factor", out float f) && f != 0 ? f : 1f;
        if (!file.TryGetString(P + "rope.scaling.type", out string type))
        {
            return factor == 1 ? null : throw new NotSupportedException(
                $"{file.Path}: {P}rope.scaling.factor is {factor} but {P}rope.scaling.type is missing, which llama.cpp reads as 'linear'; only 'yarn' is supported for DeepSeek models");
        }

        if (type == "none")
        {
            return null;
        }

        if (type != "yarn")
        {
            throw new NotSupportedException($"{file.Path}: {P}rope.scaling.type '{type}' is not supported for DeepSeek models (only 'yarn')");
        }

        if (!(factor >= 1) || !float.IsFinite(factor))
        {
            throw new ModelLoadException(file.Path, $"{P}rope.scaling.factor must be at least 1 for YaRN (0: none), got {factor}");
        }

        // As llama.cpp, an original context of 0 (or none) falls back to the training context.
        int original = file.GetOptionalInt32(P + "rope.scaling.original_context_length") is int o and not 0 ? o : file.GetInt32(P + "context_length");
        if (original < 0)
        {
            throw new ModelLoadException(file.Path, $"{P}rope.scaling.original_context_length must not be negative, got {original}");
        }

        // llama.cpp's converter stores 0.1 * mscale_all_dim as yarn_log_multiplier; the rotary mscale is not stored, and
        // the DeepSeek configs set it equal to mscale_all_dim.
        float multiplier = file.TryGetFloat(P + "rope.scaling.yarn_log_multiplier", out float m) ? m : 0f;
        float betaFast = file.TryGetFloat(P + "rope.scaling.yarn_beta_fast", out float fast) ? fast : 32f;
        float betaSlow = file.TryGetFloat(P + "rope.scaling.yarn_beta_slow", out float slow) ? slow : 1f;
        return new YarnRopeScaling(factor, original, betaFast, betaSlow, multiplier * 10f, multiplier * 10f);
    }

    private static int VocabSize(GgufFile file)
    {
        if (file.GetOptionalInt32(P + "vocab_size") is int v)
        {
            return v;
        }

        if (file.Metadata.TryGetValue("tokenizer.ggml.tokens", out GgufValue? tokens))
        {
            return tokens.Count;
        }

        throw new ModelLoadException(file.Path, $"cannot tell the vocabulary size: no '{P}vocab_size' and no 'tokenizer.ggml.tokens'");
    }
}
