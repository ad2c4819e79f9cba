using LlmFramework.Abstractions.Models;

namespace LlmFramework.Models.Llama.Config;

/// <summary>Checks a <see cref="LlamaConfig"/> for values no LLaMA can have, naming the file and its keys.</summary>
internal static class LlamaConfigValidator
{
    /// <param name="config">The hyperparameters read.</param>
    /// <param name="path">The file they came from (config.json or the GGUF file).</param>
    /// <param name="keys">That file's key names.</param>
    /// <param name="headDimGiven">Whether the file set the head dim explicitly (otherwise it is D / H, so H must divide D).</param>
    public static void Validate(LlamaConfig config, string path, ConfigKeyNames keys, bool headDimGiven)
    {
        Positive(config.HiddenSize, keys.Hidden, path);
        Positive(config.IntermediateSize, keys.Intermediate, path);
        Positive(config.LayerCount, keys.Layers, path);
        Positive(config.HeadCount, keys.Heads, path);
        Positive(config.KvHeadCount, keys.KvHeads, path);
        Positive(config.VocabSize, keys.Vocab, path);
        Positive(config.MaxPositionEmbeddings, keys.Context, path);
        if (!headDimGiven && config.HiddenSize % config.HeadCount != 0)
        {
            throw new ModelLoadException(path, $"{keys.Heads} ({config.HeadCount}) must divide {keys.Hidden} ({config.HiddenSize})");
        }

        Positive(config.HeadDim, keys.HeadDim, path);
        if (config.HeadCount % config.KvHeadCount != 0)
        {
            throw new ModelLoadException(path, $"{keys.KvHeads} ({config.KvHeadCount}) must divide {keys.Heads} ({config.HeadCount})");
        }

        if (config.RotaryDim <= 0 || config.RotaryDim % 2 != 0 || config.RotaryDim > config.HeadDim)
        {
            throw new ModelLoadException(path, $"{keys.RotaryDim} ({config.RotaryDim}) must be even, positive and at most the head dim ({config.HeadDim})");
        }

        if (!(config.RmsNormEpsilon > 0) || !float.IsFinite(config.RmsNormEpsilon))
        {
            throw new ModelLoadException(path, $"{keys.Epsilon} ({config.RmsNormEpsilon}) must be a positive number");
        }

        if (!(config.RopeTheta > 1) || !float.IsFinite(config.RopeTheta))
        {
            throw new ModelLoadException(path, $"{keys.Theta} ({config.RopeTheta}) must be a number above 1");
        }

        if (config.RopeFrequencyFactors is { } factors && factors.Length != config.RotaryDim / 2)
        {
            throw new ModelLoadException(path, $"rope_freqs.weight has {factors.Length} values but the rotary dim {config.RotaryDim} needs {config.RotaryDim / 2}");
        }

        if (config.RopeScaling is { } s)
        {
            ValidateScaling(s, path, keys.RopeScaling);
        }
    }

    private static void ValidateScaling(RopeScaling s, string path, string key)
    {
        if (!RopeScaling.SupportedTypes.Contains(s.Type))
        {
            throw UnknownRopeType(path, key, s.Type);
        }

        if (!(s.Factor > 0) || !float.IsFinite(s.Factor))
        {
            throw new ModelLoadException(path, $"{key} factor ({s.Factor}) must be a positive number");
        }

        if (s.Type is "llama3" or "yarn" && s.OriginalMaxPositions <= 0)
        {
            throw new ModelLoadException(path, $"{key} ({s.Type}) original_max_position_embeddings ({s.OriginalMaxPositions}) must be positive");
        }

        if (s.Type == "llama3" && !(s.HighFreqFactor > s.LowFreqFactor && s.LowFreqFactor > 0))
        {
            throw new ModelLoadException(path, $"{key} (llama3) needs 0 < low_freq_factor ({s.LowFreqFactor}) < high_freq_factor ({s.HighFreqFactor})");
        }

        if (s.Type == "yarn" && !(s.BetaFast > 0 && s.BetaSlow > 0))
        {
            throw new ModelLoadException(path, $"{key} (yarn) beta_fast ({s.BetaFast}) and beta_slow ({s.BetaSlow}) must be positive");
        }
    }

    /// <summary>The error for a scaling scheme this plugin does not compute.</summary>
    public static ModelLoadException UnknownRopeType(string path, string key, string type) =>
        new(path, $"{key} type '{type}' is not supported (NotSupported: this plugin computes {string.Join(", ", RopeScaling.SupportedTypes)} and unscaled RoPE)", new NotSupportedException($"RoPE scaling '{type}'"));

    private static void Positive(int value, string key, string path)
    {
        if (value <= 0)
        {
            throw new ModelLoadException(path, $"{key} must be positive, got {value}");
        }
    }
}
