using LlmFramework.Formats;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Loading;
using LlmFramework.Quantization;
using LlmFramework.Tokenizers;

namespace LlmFramework.Models.Llama.Export;

/// <summary>
/// Converts a Hugging Face LLaMA folder (config.json, safetensors, tokenizer.model, tokenizer_config.json) into a GGUF
/// file: the export-gguf verb. The weights are read and shape-checked by the same loader the engine uses, so what is
/// exported is what the engine would run; the GGUF form computes the same logits (up to the storage type's rounding).
/// </summary>
internal static class LlamaGgufExporter
{
    public static IReadOnlyList<string> Export(string folder, DType type, string outputPath)
    {
        if (type is DType.I32)
        {
            throw new ArgumentException("i32 is not a weight type");
        }

        string configPath = Path.Combine(folder, "config.json");
        LlamaConfig config = HuggingFaceConfigReader.Read(configPath);
        if (config.RopeScaling is not null)
        {
            throw new NotSupportedException($"{configPath}: rope_scaling ({config.RopeScaling.Type}) is not exported yet; export models with plain RoPE");
        }

        string tokenizerModel = Path.Combine(folder, "tokenizer.model");
        if (!File.Exists(tokenizerModel))
        {
            throw new NotSupportedException($"{folder}: export-gguf needs tokenizer.model (a SentencePiece model); tokenizer.json-only folders are not exported yet");
        }

        string tokenizerConfig = Path.Combine(folder, "tokenizer_config.json");
        GgufVocabulary vocabulary = TokenizerFactory.GgufVocabularyFromSentencePiece(tokenizerModel, File.Exists(tokenizerConfig) ? tokenizerConfig : null);
        if (vocabulary.Tokens.Length != config.VocabSize)
        {
            throw new ModelLoadException(folder, $"tokenizer.model has {vocabulary.Tokens.Length} pieces but config.json vocab_size is {config.VocabSize}");
        }

        // The engine loads tokenizer.json when a folder has both; export only when the two describe the same vocabulary.
        string tokenizerJson = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(tokenizerJson))
        {
            Abstractions.Tokenization.ITokenizer loaded = TokenizerFactory.FromTokenizerJson(tokenizerJson, File.Exists(tokenizerConfig) ? tokenizerConfig : null);
            int differing = Enumerable.Range(0, vocabulary.Tokens.Length).FirstOrDefault(i => i >= loaded.VocabSize || loaded.GetTokenText(i) != vocabulary.Tokens[i], -1);
            if (loaded.VocabSize != vocabulary.Tokens.Length || differing >= 0)
            {
                throw new ModelLoadException(folder, $"tokenizer.json ({loaded.VocabSize} tokens) and tokenizer.model ({vocabulary.Tokens.Length} pieces) disagree{(differing >= 0 ? $" at id {differing}" : "")}; the engine reads tokenizer.json and the exporter tokenizer.model, so remove the one that does not belong to the model");
            }
        }

        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(folder);
        using var owned = new OwnedTensors();
        LlamaWeights weights = new LlamaWeightLoader(folder, checkpoint.Contains, checkpoint.GetTensor, owned).Load(config, LlamaTensorNames.HuggingFace);
        string name = Path.GetFileName(Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar));
        return LlamaGgufWriter.Write(outputPath, config, name, type, vocabulary, Tensors(config, weights));
    }

    /// <summary>The weights in Hugging Face names, as float values in HF row order (the output projection only when untied).</summary>
    private static IEnumerable<(string Name, long[] Shape, float[] Values)> Tensors(LlamaConfig config, LlamaWeights weights)
    {
        LlamaTensorNames hf = LlamaTensorNames.HuggingFace;
        yield return Entry(hf.TokenEmbedding, weights.TokenEmbedding);
        for (int l = 0; l < config.LayerCount; l++)
        {
            LlamaLayerWeights w = weights.Layers[l];
            yield return Entry(hf.AttentionNorm(l), w.AttentionNorm);
            yield return Entry(hf.Query(l), w.Query);
            yield return Entry(hf.Key(l), w.Key);
            yield return Entry(hf.Value(l), w.Value);
            yield return Entry(hf.AttentionOutput(l), w.Output);
            yield return Entry(hf.FeedForwardNorm(l), w.FeedForwardNorm);
            yield return Entry(hf.Gate(l), w.Gate);
            yield return Entry(hf.Up(l), w.Up);
            yield return Entry(hf.Down(l), w.Down);
        }

        yield return Entry(hf.OutputNorm, weights.OutputNorm);
        if (!config.TieWordEmbeddings)
        {
            yield return Entry(hf.Output, weights.Output);
        }
    }

    private static unsafe (string, long[], float[]) Entry(string name, WeightTensor tensor)
    {
        var values = new float[tensor.Rows * tensor.Columns];
        BlockQuantizer.Dequantize(tensor.Type, new ReadOnlySpan<byte>(tensor.Data, checked((int)tensor.ByteLength)), values);
        return (name, [.. tensor.Shape], values);
    }
}
