using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Models.DeepSeek.Config;

namespace LlmFramework.Models.DeepSeek.TestModels;

/// <summary>
/// Turns a <see cref="TestModelSpec"/> for "deepseek2" into a validated <see cref="DeepSeekConfig"/>: the common fields
/// plus the DeepSeek settings in <see cref="TestModelSpec.Extra"/> (by make-test-model flag name without dashes, with
/// small test-friendly defaults). The checks are <see cref="DeepSeekConfigValidator"/>'s, with the flags named.
/// </summary>
internal static class DeepSeekTestSettings
{
    /// <summary>The GGUF architecture the spec must name.</summary>
    public const string Architecture = DeepSeekGgufConfigReader.Architecture;

    /// <summary>The integer settings and their defaults.</summary>
    private static readonly Dictionary<string, int> IntegerDefaults = new()
    {
        ["q-lora-rank"] = 32,          // 0: a full query projection (the V2-Lite form)
        ["kv-lora-rank"] = 32,
        ["qk-rope-dim"] = 8,
        ["qk-nope-dim"] = 16,          // differs from kv-lora-rank, so a swapped k_b / v_b cannot pass by accident
        ["v-head-dim"] = 16,
        ["experts"] = 8,
        ["experts-per-token"] = 2,
        ["shared-experts"] = 1,
        ["expert-ffn"] = 32,
        ["dense-layers"] = 1,
        ["expert-groups"] = 1,
        ["expert-groups-used"] = 1,
    };

    /// <summary>
    /// Every Extra key: the integers above, then gating (softmax or sigmoid, default sigmoid), routed-scaling-factor
    /// (default 2.5 with sigmoid, 1 with softmax), norm-topk-prob (default true with sigmoid, false with softmax), and
    /// YaRN rope scaling: rope-scaling-factor (absent: plain RoPE), rope-original-context (default --context / factor)
    /// and rope-mscale-all-dim (default 1, as DeepSeek-V3; the rotary mscale is set equal, as DeepSeek's configs do).
    /// </summary>
    public static readonly IReadOnlyList<string> Keys =
        [.. IntegerDefaults.Keys, "gating", "routed-scaling-factor", "norm-topk-prob", "rope-scaling-factor", "rope-original-context", "rope-mscale-all-dim"];

    /// <summary>config.json key -> the setting that gives it, so the validator's messages name what the user typed.</summary>
    private static readonly Dictionary<string, string> FlagNames = new()
    {
        ["hidden_size"] = "--dim",
        ["intermediate_size"] = "--ffn",
        ["moe_intermediate_size"] = "--expert-ffn",
        ["num_hidden_layers"] = "--layers",
        ["first_k_dense_replace"] = "--dense-layers",
        ["num_attention_heads"] = "--heads",
        ["vocab_size"] = "--vocab",
        ["max_position_embeddings"] = "--context",
        ["rms_norm_eps"] = "the norm epsilon",
        ["rope_theta"] = "--rope-theta",
        ["q_lora_rank"] = "--q-lora-rank",
        ["kv_lora_rank"] = "--kv-lora-rank",
        ["qk_nope_head_dim"] = "--qk-nope-dim",
        ["qk_rope_head_dim"] = "--qk-rope-dim",
        ["v_head_dim"] = "--v-head-dim",
        ["n_routed_experts"] = "--experts",
        ["n_shared_experts"] = "--shared-experts",
        ["num_experts_per_tok"] = "--experts-per-token",
        ["n_group"] = "--expert-groups",
        ["topk_group"] = "--expert-groups-used",
        ["scoring_func"] = "--gating",
        ["routed_scaling_factor"] = "--routed-scaling-factor",
    };

    /// <summary>
    /// The configuration <paramref name="spec"/> describes (Architecture: DeepseekV3ForCausalLM for sigmoid gating,
    /// DeepseekV2ForCausalLM for softmax). Throws <see cref="ArgumentException"/> naming the flag at fault.
    /// </summary>
    public static DeepSeekConfig ToConfig(TestModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!string.Equals(spec.Architecture, Architecture, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"the DeepSeek test-model writer writes architecture '{Architecture}', not '{spec.Architecture}'", nameof(spec));
        }

        var extra = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string value) in spec.Extra)
        {
            if (!Keys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw Bad($"unknown {Architecture} setting '{key}' (known: {string.Join(", ", Keys)})");
            }

            extra[key] = value;
        }

        if (spec.TiedEmbeddings)
        {
            throw Bad("--tied does not apply: DeepSeek models keep a separate output matrix (lm_head)");
        }

        if (spec.VocabSize < 259)
        {
            throw Bad($"--vocab ({spec.VocabSize}) must be at least 259 (3 specials and 256 byte tokens)");
        }

        int Int(string key)
        {
            if (!extra.TryGetValue(key, out string? text))
            {
                return IntegerDefaults[key];
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
                ? value
                : throw Bad($"--{key} '{text}' is not a non-negative integer");
        }

        ExpertGating gating = (extra.GetValueOrDefault("gating") ?? "sigmoid").ToLowerInvariant() switch
        {
            "sigmoid" => ExpertGating.Sigmoid,
            "softmax" => ExpertGating.Softmax,
            string other => throw Bad($"--gating '{other}' is not softmax or sigmoid"),
        };
        bool sigmoid = gating == ExpertGating.Sigmoid;
        float scale = sigmoid ? 2.5f : 1f;
        if (extra.TryGetValue("routed-scaling-factor", out string? scaleText)
            && !float.TryParse(scaleText, NumberStyles.Float, CultureInfo.InvariantCulture, out scale))
        {
            throw Bad($"--routed-scaling-factor '{scaleText}' is not a number");
        }

        bool normalize = sigmoid;
        if (extra.TryGetValue("norm-topk-prob", out string? normText) && !bool.TryParse(normText, out normalize))
        {
            throw Bad($"--norm-topk-prob '{normText}' is not true or false");
        }

        YarnRopeScaling? yarn = RopeScaling(extra, spec.ContextLength);
        var config = new DeepSeekConfig
        {
            Architecture = sigmoid ? "DeepseekV3ForCausalLM" : "DeepseekV2ForCausalLM",
            HiddenSize = spec.Dim,
            IntermediateSize = spec.FeedForward,
            MoeIntermediateSize = Int("expert-ffn"),
            LayerCount = spec.Layers,
            DenseLayerCount = Int("dense-layers"),
            HeadCount = spec.Heads,
            VocabSize = spec.VocabSize,
            MaxPositionEmbeddings = spec.ContextLength,
            RmsNormEpsilon = spec.NormEpsilon,
            RopeTheta = spec.RopeTheta,
            RopeScaling = yarn,
            QLoraRank = Int("q-lora-rank"),
            KvLoraRank = Int("kv-lora-rank"),
            QkNopeHeadDim = Int("qk-nope-dim"),
            QkRopeHeadDim = Int("qk-rope-dim"),
            VHeadDim = Int("v-head-dim"),
            RoutedExperts = Int("experts"),
            SharedExperts = Int("shared-experts"),
            ExpertsPerToken = Int("experts-per-token"),
            ExpertGroups = Int("expert-groups"),
            ExpertGroupsUsed = Int("expert-groups-used"),
            Gating = gating,
            NormalizeTopKWeights = normalize,
            RoutedScalingFactor = scale,
        };
        try
        {
            DeepSeekConfigValidator.Validate(config, "test model spec", FlagNames);
        }
        catch (ModelLoadException e)
        {
            throw Bad(e.Problem ?? e.Message, e);
        }

        return config;
    }

    /// <summary>YaRN from rope-scaling-factor, rope-original-context and rope-mscale-all-dim; null without a factor.</summary>
    private static YarnRopeScaling? RopeScaling(Dictionary<string, string> extra, int context)
    {
        float Float(string key, float fallback) =>
            !extra.TryGetValue(key, out string? text) ? fallback
            : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value) ? value
            : throw Bad($"--{key} '{text}' is not a number");

        if (!extra.ContainsKey("rope-scaling-factor"))
        {
            return extra.Keys.FirstOrDefault(k => k.StartsWith("rope-", StringComparison.OrdinalIgnoreCase)) is string orphan
                ? throw Bad($"--{orphan} needs --rope-scaling-factor")
                : null;
        }

        float factor = Float("rope-scaling-factor", 1f);
        if (!(factor >= 1))
        {
            throw Bad($"--rope-scaling-factor ({factor}) must be at least 1");
        }

        int original = extra.TryGetValue("rope-original-context", out string? text)
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int o) && o > 0 ? o : throw Bad($"--rope-original-context '{text}' is not a positive integer")
            : Math.Max(1, (int)(context / factor));
        float mscale = Float("rope-mscale-all-dim", 1f);
        if (!(mscale >= 0))
        {
            throw Bad($"--rope-mscale-all-dim ({mscale}) must not be negative");
        }

        return new YarnRopeScaling(factor, original, BetaFast: 32f, BetaSlow: 1f, MScale: mscale, MScaleAllDim: mscale);
    }

    private static ArgumentException Bad(string problem, Exception? inner = null) => new($"test model spec: {problem}", "spec", inner);
}
