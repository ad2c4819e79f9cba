using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Json;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Export;
using LlmFramework.Quantization;
using LlmFramework.Tokenizers;

namespace LlmFramework.Models.Llama.TestModels;

/// <summary>
/// Writes random-weight LLaMA models (the make-test-model verb). The weights are generated once in Hugging Face
/// layout; the GGUF form gets q/k rows permuted as llama.cpp's converter does, so both forms of one spec compute the
/// same logits (HF with NeoX RoPE, GGUF with interleaved RoPE). Same spec and seed give the same bytes.
/// </summary>
public static class LlamaTestModelWriter
{
    /// <summary>Writes <paramref name="spec"/> as a GGUF file or a Hugging Face folder at <paramref name="outputPath"/>.</summary>
    public static void Write(TestModelSpec spec, CheckpointFormat format, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputPath);
        Validate(spec, format);
        LlamaTestWeights weights = LlamaTestWeights.Generate(spec);
        if (format == CheckpointFormat.Gguf)
        {
            WriteGguf(spec, weights, outputPath);
        }
        else
        {
            WriteFolder(spec, weights, outputPath);
        }
    }

    private static void Validate(TestModelSpec spec, CheckpointFormat format)
    {
        if (!string.Equals(spec.Architecture, LlamaFamily.GgufArchitecture, StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"the LLaMA test-model writer writes architecture 'llama', not '{spec.Architecture}'", nameof(spec));
        }

        if (spec.Extra.Count > 0)
        {
            throw new ArgumentException($"test model spec: llama takes no architecture-specific settings, got {string.Join(", ", spec.Extra.Keys)}", nameof(spec));
        }

        Require(spec.Dim > 0 && spec.Layers > 0 && spec.Heads > 0 && spec.KvHeads > 0 && spec.FeedForward > 0 && spec.ContextLength > 0, "dim, layers, heads, kv heads, ffn and context must be positive");
        Require(spec.Dim % spec.Heads == 0, $"heads ({spec.Heads}) must divide dim ({spec.Dim})");
        Require(spec.Heads % spec.KvHeads == 0, $"kv heads ({spec.KvHeads}) must divide heads ({spec.Heads})");
        Require(spec.Dim / spec.Heads % 2 == 0, $"the head dim ({spec.Dim / spec.Heads}) must be even for RoPE");
        Require(spec.VocabSize >= 259, $"vocab ({spec.VocabSize}) must be at least 259 (3 specials and 256 byte tokens)");
        if (format == CheckpointFormat.HuggingFaceFolder && spec.DType is not (DType.F32 or DType.F16 or DType.BF16))
        {
            throw new NotSupportedException($"HF folders hold float weights; use --format gguf for quantised types ({DTypeInfo.Name(spec.DType)})");
        }

        Require(spec.DType != DType.I32, "i32 is not a weight type");
        int block = DTypeInfo.BlockSize(spec.DType);
        Require(spec.Dim % block == 0 && spec.FeedForward % block == 0, $"{DTypeInfo.Name(spec.DType)} needs dim ({spec.Dim}) and ffn ({spec.FeedForward}) to be multiples of {block}");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"test model spec: {message}", "spec");
        }
    }

    private static void WriteGguf(TestModelSpec spec, LlamaTestWeights weights, string path)
    {
        var config = new LlamaConfig
        {
            Architecture = LlamaFamily.GgufArchitecture,
            HiddenSize = spec.Dim,
            IntermediateSize = spec.FeedForward,
            LayerCount = spec.Layers,
            HeadCount = spec.Heads,
            KvHeadCount = spec.KvHeads,
            HeadDim = spec.Dim / spec.Heads,
            RotaryDim = spec.Dim / spec.Heads,
            VocabSize = spec.VocabSize,
            MaxPositionEmbeddings = spec.ContextLength,
            RmsNormEpsilon = spec.NormEpsilon,
            RopeTheta = spec.RopeTheta,
            TieWordEmbeddings = spec.TiedEmbeddings,
        };
        LlamaGgufWriter.Write(path, config, $"random llama {spec.Dim}x{spec.Layers} seed {spec.Seed}", spec.DType, TestVocabulary.Create(spec.VocabSize), weights.Tensors);
    }

    private static void WriteFolder(TestModelSpec spec, LlamaTestWeights weights, string folder)
    {
        Directory.CreateDirectory(folder);
        var st = new SafetensorsWriter();
        foreach ((string name, long[] shape, float[] values) in weights.Tensors)
        {
            // Hugging Face checkpoints keep norm weights in the model dtype too.
            st.Add(name, spec.DType, shape, BlockQuantizer.Quantize(spec.DType, values));
        }

        st.WriteTo(Path.Combine(folder, SafetensorsCheckpoint.SingleFileName));
        JsonFileWriter.WriteObject(Path.Combine(folder, "config.json"), j =>
        {
            j.WriteStartArray("architectures");
            j.WriteStringValue("LlamaForCausalLM");
            j.WriteEndArray();
            j.WriteString("model_type", "llama");
            j.WriteNumber("hidden_size", spec.Dim);
            j.WriteNumber("intermediate_size", spec.FeedForward);
            j.WriteNumber("num_hidden_layers", spec.Layers);
            j.WriteNumber("num_attention_heads", spec.Heads);
            j.WriteNumber("num_key_value_heads", spec.KvHeads);
            j.WriteNumber("head_dim", spec.Dim / spec.Heads);
            j.WriteNumber("max_position_embeddings", spec.ContextLength);
            j.WriteNumber("vocab_size", spec.VocabSize);
            j.WriteNumber("rms_norm_eps", spec.NormEpsilon);
            j.WriteNumber("rope_theta", spec.RopeTheta);
            j.WriteNull("rope_scaling");
            j.WriteBoolean("tie_word_embeddings", spec.TiedEmbeddings);
            j.WriteString("hidden_act", "silu");
            j.WriteString("torch_dtype", spec.DType switch { DType.F16 => "float16", DType.BF16 => "bfloat16", _ => "float32" });
            j.WriteNumber("bos_token_id", TestVocabulary.BosId);
            j.WriteNumber("eos_token_id", TestVocabulary.EosId);
        });
        TestVocabularyFiles.WriteHuggingFaceFiles(folder, spec.VocabSize);
    }
}
