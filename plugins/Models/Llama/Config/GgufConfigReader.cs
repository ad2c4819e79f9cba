using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Quantization;

namespace LlmFramework.Models.Llama.Config;

/// <summary>Reads <see cref="LlamaConfig"/> from the <c>llama.*</c> metadata of a GGUF file (llama.cpp's key names).</summary>
public static class GgufConfigReader
{
    /// <summary>Name of the tensor in which llama.cpp's converter stores per-frequency RoPE divisors (llama3 scaling).</summary>
    public const string RopeFrequenciesTensor = "rope_freqs.weight";

    /// <summary>Reads and validates the hyperparameters; <see cref="ModelLoadException"/> names the file and key of any problem.</summary>
    public static LlamaConfig Read(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string arch = file.GetString("general.architecture");
        string p = arch + ".";
        int hidden = file.GetInt32(p + "embedding_length");
        int heads = file.GetInt32(p + "attention.head_count");
        int? keyLength = file.GetOptionalInt32(p + "attention.key_length");
        int headDim = keyLength ?? (heads > 0 ? hidden / heads : 0);
        var config = new LlamaConfig
        {
            Architecture = arch,
            HiddenSize = hidden,
            IntermediateSize = file.GetInt32(p + "feed_forward_length"),
            LayerCount = file.GetInt32(p + "block_count"),
            HeadCount = heads,
            KvHeadCount = file.GetOptionalInt32(p + "attention.head_count_kv") ?? heads,
            HeadDim = headDim,
            RotaryDim = file.GetOptionalInt32(p + "rope.dimension_count") ?? headDim,
            VocabSize = VocabSize(file, p),
            MaxPositionEmbeddings = file.GetInt32(p + "context_length"),
            RmsNormEpsilon = file.GetFloat(p + "attention.layer_norm_rms_epsilon"),
            RopeTheta = file.TryGetFloat(p + "rope.freq_base", out float theta) ? theta : 10000f,
            RopeScaling = ReadRopeScaling(file, p),
            RopeFrequencyFactors = ReadFrequencyFactors(file),
            TieWordEmbeddings = !file.ContainsTensor("output.weight"),
        };
        LlamaConfigValidator.Validate(config, file.Path, ConfigKeyNames.Gguf(arch), keyLength is not null);
        return config;
    }

    private static int VocabSize(GgufFile file, string p)
    {
        if (file.GetOptionalInt32(p + "vocab_size") is int v)
        {
            return v;
        }

        if (file.Metadata.TryGetValue("tokenizer.ggml.tokens", out GgufValue? tokens))
        {
            return tokens.Count;
        }

        if (file.ContainsTensor("token_embd.weight"))
        {
            long[] shape = file.GetTensorInfo("token_embd.weight").Shape;
            return shape.Length == 2 ? checked((int)shape[0]) : 0;
        }

        throw new ModelLoadException(file.Path, $"cannot tell the vocabulary size: no '{p}vocab_size', no 'tokenizer.ggml.tokens' and no token_embd.weight");
    }

    private static RopeScaling? ReadRopeScaling(GgufFile file, string p)
    {
        string key = p + "rope.scaling.type";
        if (!file.TryGetString(key, out string type))
        {
            // Older files: a bare linear factor.
            return file.TryGetFloat(p + "rope.scale_linear", out float linear) && linear != 1f ? new RopeScaling("linear", linear) : null;
        }

        float factor = file.TryGetFloat(p + "rope.scaling.factor", out float f) ? f : 1f;
        int original = file.GetOptionalInt32(p + "rope.scaling.original_context_length") ?? file.GetInt32(p + "context_length");
        return type switch
        {
            "none" => null,
            "linear" => factor == 1f ? null : new RopeScaling("linear", factor),
            "yarn" => new RopeScaling(
                "yarn",
                factor,
                OriginalMaxPositions: original,
                BetaFast: file.TryGetFloat(p + "rope.scaling.yarn_beta_fast", out float fast) ? fast : 32f,
                BetaSlow: file.TryGetFloat(p + "rope.scaling.yarn_beta_slow", out float slow) ? slow : 1f),
            _ => throw LlamaConfigValidator.UnknownRopeType(file.Path, key, type),
        };
    }

    private static float[]? ReadFrequencyFactors(GgufFile file)
    {
        if (!file.ContainsTensor(RopeFrequenciesTensor))
        {
            return null;
        }

        WeightTensor t = file.GetTensor(RopeFrequenciesTensor);
        if (DTypeInfo.IsQuantized(t.Type) || t.Rows != 1)
        {
            throw new ModelLoadException(file.Path, $"{RopeFrequenciesTensor} should be a float vector, not {t}");
        }

        var factors = new float[t.Columns];
        BlockQuantizer.Dequantize(t.Type, t.Bytes, factors);
        return factors;
    }
}
