using LlmFramework.Tokenizers.Checkpoints;
using LlmFramework.Formats;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Adapters;
using LlmFramework.Models.Llama.Config;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>Loads a LLaMA GGUF file: llama.* hyperparameters, llama.cpp tensor names, tokenizer.ggml.* vocabulary.</summary>
internal static class GgufLlamaLoader
{
    public static LlamaModel Load(string path, ModelLoadOptions options)
    {
        GgufFile file = GgufFile.Open(path);
        var owned = new OwnedTensors();
        try
        {
            LlamaConfig config = GgufConfigReader.Read(file);
            LlamaWeights weights = new LlamaWeightLoader(file.Path, file.ContainsTensor, file.GetTensor, owned).Load(config, LlamaTensorNames.Gguf);
            string storage = $"GGUF {weights.Layers[0].Query.Type}{LlamaAdapterApplier.Describe(options.Adapters)}";
            weights = LlamaAdapterApplier.Apply(weights, config, ggufRowOrder: true, options.Adapters, owned);
            CheckpointTokenizer tokenizer = CheckpointTokenizerLoader.FromGguf(file);
            int context = options.ContextLength > 0 ? options.ContextLength : config.MaxPositionEmbeddings;
            var info = new ModelInfo(
                "llama",
                config.Architecture,
                config.VocabSize,
                context,
                weights.ParameterCount,
                $"{config.Describe()}; {storage}");

            // llama.cpp's converter permutes q/k rows so that adjacent pairs rotate.
            return new LlamaModel(info, config, weights, RopeStyle.Interleaved, context, tokenizer.Tokenizer, tokenizer.ChatTemplate, tokenizer.GenerationDefaults, [owned, file]);
        }
        catch
        {
            owned.Dispose();
            file.Dispose();
            throw;
        }
    }
}
