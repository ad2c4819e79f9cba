using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Loading;
using LlmFramework.Models.Llama.TestModels;
using LlmFramework.Quantization;
using LlmFramework.Tokenizers;

namespace LlmFramework.Models.Llama.Export;

/// <summary>
/// Writes a LLaMA GGUF file the way llama.cpp's converter lays it out: llama.* hyperparameters, tokenizer.ggml.*
/// vocabulary, llama.cpp tensor names, q/k rows permuted so adjacent pairs rotate, norm weights in F32 and matrices in
/// the chosen type (F16 for a matrix whose rows do not divide into that type's blocks). Used by the exporter and by the
/// test-model writer, so both produce the same layout.
/// </summary>
internal static class LlamaGgufWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/> (Hugging Face names and row order, float values) with the metadata of
    /// <paramref name="config"/> and <paramref name="vocabulary"/> to <paramref name="path"/>; returns the names of
    /// matrices stored as F16 because their rows do not divide into <paramref name="type"/>'s blocks.
    /// </summary>
    public static IReadOnlyList<string> Write(string path, LlamaConfig config, string name, DType type, GgufVocabulary vocabulary, IEnumerable<(string Name, long[] Shape, float[] Values)> tensors)
    {
        var w = new GgufWriter();
        w.AddString("general.architecture", LlamaFamily.GgufArchitecture);
        w.AddString("general.name", name);
        w.AddUInt32("general.file_type", GgufFileType.Of(type));
        w.AddUInt32("general.quantization_version", 2);
        w.AddUInt32("llama.vocab_size", (uint)config.VocabSize);
        w.AddUInt32("llama.context_length", (uint)config.MaxPositionEmbeddings);
        w.AddUInt32("llama.embedding_length", (uint)config.HiddenSize);
        w.AddUInt32("llama.block_count", (uint)config.LayerCount);
        w.AddUInt32("llama.feed_forward_length", (uint)config.IntermediateSize);
        w.AddUInt32("llama.rope.dimension_count", (uint)config.RotaryDim);
        w.AddUInt32("llama.attention.head_count", (uint)config.HeadCount);
        w.AddUInt32("llama.attention.head_count_kv", (uint)config.KvHeadCount);
        if (config.HeadDim != config.HiddenSize / config.HeadCount)
        {
            w.AddUInt32("llama.attention.key_length", (uint)config.HeadDim);
            w.AddUInt32("llama.attention.value_length", (uint)config.HeadDim);
        }

        w.AddFloat32("llama.attention.layer_norm_rms_epsilon", config.RmsNormEpsilon);
        w.AddFloat32("llama.rope.freq_base", config.RopeTheta);
        GgufVocabularyMetadata.AddTo(w, vocabulary);

        Dictionary<string, string> ggufNames = GgufNameMap(config.LayerCount);
        var fallbacks = new List<string>();
        int block = DTypeInfo.BlockSize(type);
        foreach ((string hfName, long[] shape, float[] values) in tensors)
        {
            if (!ggufNames.TryGetValue(hfName, out string? ggufName))
            {
                throw new ArgumentException($"'{hfName}' is not a LLaMA tensor name");
            }

            float[] data = values;
            if (hfName.EndsWith("q_proj.weight", StringComparison.Ordinal))
            {
                data = QkPermutation.ToGgufOrder(values, config.HeadCount, config.HiddenSize);
            }
            else if (hfName.EndsWith("k_proj.weight", StringComparison.Ordinal))
            {
                data = QkPermutation.ToGgufOrder(values, config.KvHeadCount, config.HiddenSize);
            }

            DType tensorType = shape.Length == 1 ? DType.F32 : type;
            if (shape.Length > 1 && shape[^1] % block != 0)
            {
                tensorType = DType.F16;
                fallbacks.Add(ggufName);
            }

            w.AddTensor(ggufName, tensorType, shape, BlockQuantizer.Quantize(tensorType, data));
        }

        w.WriteToAtomically(path);
        return fallbacks;
    }

    private static Dictionary<string, string> GgufNameMap(int layers)
    {
        LlamaTensorNames hf = LlamaTensorNames.HuggingFace, gg = LlamaTensorNames.Gguf;
        var map = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [hf.TokenEmbedding] = gg.TokenEmbedding,
            [hf.OutputNorm] = gg.OutputNorm,
            [hf.Output] = gg.Output,
        };
        Func<int, string>[] hfLayer = [hf.AttentionNorm, hf.Query, hf.Key, hf.Value, hf.AttentionOutput, hf.FeedForwardNorm, hf.Gate, hf.Up, hf.Down];
        Func<int, string>[] ggLayer = [gg.AttentionNorm, gg.Query, gg.Key, gg.Value, gg.AttentionOutput, gg.FeedForwardNorm, gg.Gate, gg.Up, gg.Down];
        for (int l = 0; l < layers; l++)
        {
            for (int i = 0; i < hfLayer.Length; i++)
            {
                map[hfLayer[i](l)] = ggLayer[i](l);
            }
        }

        return map;
    }
}
