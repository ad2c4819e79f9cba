using System.Text.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Json;

namespace LlmFramework.Models.DeepSeek.Config;

/// <summary>Reads a DeepSeek-V2/V3 Hugging Face config.json into a validated <see cref="DeepSeekConfig"/>.</summary>
public static class DeepSeekHuggingFaceConfigReader
{
    /// <summary>The architectures this reader accepts.</summary>
    public static readonly IReadOnlyList<string> Architectures = ["DeepseekV3ForCausalLM", "DeepseekV2ForCausalLM"];

    /// <summary>Reads and validates the config.json at <paramref name="path"/>.</summary>
    public static DeepSeekConfig Read(string path) => Read(JsonObjectReader.Load(path));

    /// <summary>Reads and validates an already parsed config.json.</summary>
    public static DeepSeekConfig Read(JsonObjectReader json)
    {
        ArgumentNullException.ThrowIfNull(json);
        IReadOnlyList<string> architectures = json.StringList("architectures");
        string? architecture = architectures.FirstOrDefault(a => Architectures.Contains(a));
        if (architecture is null)
        {
            throw new ModelLoadException(json.Path, $"architectures [{string.Join(", ", architectures)}] names no DeepSeek model (expected one of {string.Join(", ", Architectures)})");
        }

        string scoring = json.OptionalString("scoring_func") ?? "softmax";
        ExpertGating gating = scoring switch
        {
            "softmax" => ExpertGating.Softmax,
            "sigmoid" => ExpertGating.Sigmoid,
            _ => throw new ModelLoadException(json.Path, $"scoring_func must be \"softmax\" or \"sigmoid\", got \"{scoring}\""),
        };
        int? qLoraRank = json.OptionalInt("q_lora_rank");
        var config = new DeepSeekConfig
        {
            Architecture = architecture,
            HiddenSize = json.RequiredInt("hidden_size"),
            IntermediateSize = json.OptionalInt("intermediate_size") ?? 0,
            MoeIntermediateSize = json.OptionalInt("moe_intermediate_size") ?? 0,
            LayerCount = json.RequiredInt("num_hidden_layers"),
            DenseLayerCount = json.OptionalInt("first_k_dense_replace") ?? 0,
            HeadCount = json.RequiredInt("num_attention_heads"),
            VocabSize = json.RequiredInt("vocab_size"),
            MaxPositionEmbeddings = json.RequiredInt("max_position_embeddings"),
            RmsNormEpsilon = json.OptionalFloat("rms_norm_eps") ?? 1e-6f,
            RopeTheta = json.OptionalFloat("rope_theta") ?? 10000f,
            RopeScaling = ReadRopeScaling(json),
            QLoraRank = qLoraRank ?? 0,
            KvLoraRank = json.RequiredInt("kv_lora_rank"),
            QkNopeHeadDim = json.RequiredInt("qk_nope_head_dim"),
            QkRopeHeadDim = json.RequiredInt("qk_rope_head_dim"),
            VHeadDim = json.RequiredInt("v_head_dim"),
            RoutedExperts = json.OptionalInt("n_routed_experts") ?? 0,
            SharedExperts = json.OptionalInt("n_shared_experts") ?? 0,
            ExpertsPerToken = json.OptionalInt("num_experts_per_tok") ?? 0,
            ExpertGroups = json.OptionalInt("n_group") ?? 1,
            ExpertGroupsUsed = json.OptionalInt("topk_group") ?? 1,
            Gating = gating,
            NormalizeTopKWeights = json.OptionalBool("norm_topk_prob") ?? false,
            RoutedScalingFactor = json.OptionalFloat("routed_scaling_factor") ?? 1f,
        };
        if (qLoraRank is 0)
        {
            throw new ModelLoadException(json.Path, "q_lora_rank is 0: use null for a full query projection, or a positive rank");
        }

        DeepSeekConfigValidator.Validate(config, json.Path);
        return config;
    }

    private static YarnRopeScaling? ReadRopeScaling(JsonObjectReader json)
    {
        JsonObjectReader? scaling = json.OptionalObject("rope_scaling");
        if (scaling is null)
        {
            return null;
        }

        string type = scaling.OptionalString("type") ?? scaling.OptionalString("rope_type") ?? "";
        if (type != "yarn")
        {
            throw new NotSupportedException($"{json.Path}: rope_scaling type \"{type}\" is not supported for DeepSeek models (only \"yarn\")");
        }

        float factor = scaling.RequiredFloat("factor");
        int original = scaling.RequiredInt("original_max_position_embeddings");
        if (!(factor >= 1) || original <= 0)
        {
            throw new ModelLoadException(json.Path, $"rope_scaling needs factor >= 1 and original_max_position_embeddings > 0, got {factor} and {original}");
        }

        return new YarnRopeScaling(factor, original, scaling.OptionalFloat("beta_fast") ?? 32f, scaling.OptionalFloat("beta_slow") ?? 1f, scaling.OptionalFloat("mscale") ?? 1f, scaling.OptionalFloat("mscale_all_dim") ?? 0f);
    }

    /// <summary>Whether <paramref name="root"/> (a parsed config.json) names a DeepSeek architecture.</summary>
    public static bool IsDeepSeek(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("architectures", out JsonElement a) && a.ValueKind == JsonValueKind.Array
        && a.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.String && Architectures.Contains(e.GetString()!));
}
