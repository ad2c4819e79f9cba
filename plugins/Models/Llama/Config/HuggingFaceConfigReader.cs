using LlmFramework.Formats.Json;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Models.Llama.Config;

/// <summary>Reads <see cref="LlamaConfig"/> from a Hugging Face config.json (LlamaForCausalLM / MistralForCausalLM).</summary>
public static class HuggingFaceConfigReader
{
    /// <summary>Reads and validates <paramref name="configPath"/>; <see cref="ModelLoadException"/> names the file and key of any problem.</summary>
    public static LlamaConfig Read(string configPath)
    {
        JsonObjectReader json = JsonObjectReader.Load(configPath);
        RejectUnsupportedVariants(json);
        int hidden = json.RequiredInt("hidden_size");
        int heads = json.RequiredInt("num_attention_heads");
        int? headDim = json.OptionalInt("head_dim");
        int maxPositions = json.RequiredInt("max_position_embeddings");

        // Mistral's sliding window: attention here is always full, which equals the window only up to its length,
        // so the usable context is capped there (exact results instead of silently different ones).
        int? slidingWindow = json.OptionalInt("sliding_window");
        if (slidingWindow is > 0 && slidingWindow < maxPositions)
        {
            maxPositions = slidingWindow.Value;
        }

        int resolvedHeadDim = headDim ?? (heads > 0 ? hidden / heads : 0);
        var config = new LlamaConfig
        {
            Architecture = ArchitectureOf(json),
            HiddenSize = hidden,
            IntermediateSize = json.RequiredInt("intermediate_size"),
            LayerCount = json.RequiredInt("num_hidden_layers"),
            HeadCount = heads,
            KvHeadCount = json.OptionalInt("num_key_value_heads") ?? heads,
            HeadDim = resolvedHeadDim,
            RotaryDim = resolvedHeadDim,
            VocabSize = json.RequiredInt("vocab_size"),
            MaxPositionEmbeddings = maxPositions,
            RmsNormEpsilon = json.OptionalFloat("rms_norm_eps") ?? 1e-6f,
            RopeTheta = json.OptionalFloat("rope_theta") ?? 10000f,
            RopeScaling = ReadRopeScaling(json, json.RequiredInt("max_position_embeddings")),
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? false,
            TorchDType = json.OptionalString("torch_dtype") ?? json.OptionalString("dtype"),
        };
        LlamaConfigValidator.Validate(config, json.Path, ConfigKeyNames.HuggingFace, headDim is not null);
        return config;
    }

    /// <summary>LLaMA variants whose extra parts the contract-1 op set cannot express are refused, not silently mis-run.</summary>
    private static void RejectUnsupportedVariants(JsonObjectReader json)
    {
        foreach (string key in new[] { "attention_bias", "mlp_bias" })
        {
            if (json.OptionalBool(key) == true)
            {
                throw new ModelLoadException(json.Path, $"{key} is true; biases on LLaMA projections are not supported (contract 1 has no broadcast add)", new NotSupportedException(key));
            }
        }

        string activation = json.OptionalString("hidden_act") ?? "silu";
        if (activation != "silu")
        {
            throw new ModelLoadException(json.Path, $"hidden_act '{activation}' is not supported (LLaMA uses silu)", new NotSupportedException(activation));
        }
    }

    /// <summary>The first entry of "architectures", else "model_type", else "".</summary>
    internal static string ArchitectureOf(JsonObjectReader json)
    {
        IReadOnlyList<string> architectures = json.StringList("architectures");
        return architectures.Count > 0 ? architectures[0] : json.OptionalString("model_type") ?? string.Empty;
    }

    private static RopeScaling? ReadRopeScaling(JsonObjectReader json, int maxPositions)
    {
        JsonObjectReader? s = json.OptionalObject("rope_scaling");
        if (s is null)
        {
            return null;
        }

        string type = s.OptionalString("rope_type") ?? s.OptionalString("type")
            ?? throw new ModelLoadException(json.Path, "rope_scaling has neither 'rope_type' nor 'type'");
        return type switch
        {
            "default" => null,
            "linear" => new RopeScaling("linear", s.RequiredFloat("factor")),
            "llama3" => new RopeScaling(
                "llama3",
                s.RequiredFloat("factor"),
                OriginalMaxPositions: s.RequiredInt("original_max_position_embeddings"),
                LowFreqFactor: s.RequiredFloat("low_freq_factor"),
                HighFreqFactor: s.RequiredFloat("high_freq_factor")),
            "yarn" => new RopeScaling(
                "yarn",
                s.RequiredFloat("factor"),
                OriginalMaxPositions: s.OptionalInt("original_max_position_embeddings") ?? maxPositions,
                BetaFast: s.OptionalFloat("beta_fast") ?? 32f,
                BetaSlow: s.OptionalFloat("beta_slow") ?? 1f,
                AttentionFactor: s.OptionalFloat("attention_factor"),
                MScale: s.OptionalFloat("mscale"),
                MScaleAllDim: s.OptionalFloat("mscale_all_dim")),
            _ => throw LlamaConfigValidator.UnknownRopeType(json.Path, "rope_scaling", type),
        };
    }
}
