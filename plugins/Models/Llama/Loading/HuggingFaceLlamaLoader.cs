using LlmFramework.Tokenizers.Checkpoints;
using LlmFramework.Formats;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.Llama.Adapters;
using LlmFramework.Models.Llama.Config;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>
/// Loads a Hugging Face folder: config.json, model.safetensors (or a sharded index), tokenizer.json (else
/// tokenizer.model), tokenizer_config.json and generation_config.json.
/// </summary>
internal static class HuggingFaceLlamaLoader
{
    public static LlamaModel Load(string folder, ModelLoadOptions options)
    {
        LlamaConfig config = HuggingFaceConfigReader.Read(Path.Combine(folder, "config.json"));
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(folder);
        var owned = new OwnedTensors();
        try
        {
            LlamaWeights weights = new LlamaWeightLoader(checkpoint.Folder, checkpoint.Contains, checkpoint.GetTensor, owned).Load(config, LlamaTensorNames.HuggingFace);
            string storage = $"safetensors {weights.Layers[0].Query.Type}{LlamaAdapterApplier.Describe(options.Adapters)}";
            weights = LlamaAdapterApplier.Apply(weights, config, ggufRowOrder: false, options.Adapters, owned);
            CheckpointTokenizer tokenizer = CheckpointTokenizerLoader.FromFolder(folder);
            GenerationDefaults generation = GenerationConfigReader.Read(Path.Combine(folder, "generation_config.json"));
            int context = options.ContextLength > 0 ? options.ContextLength : config.MaxPositionEmbeddings;
            var info = new ModelInfo(
                "llama",
                config.Architecture,
                config.VocabSize,
                context,
                weights.ParameterCount,
                $"{config.Describe()}; {storage}");
            return new LlamaModel(info, config, weights, RopeStyle.NeoX, context, tokenizer.Tokenizer, tokenizer.ChatTemplate, generation, [owned, checkpoint]);
        }
        catch
        {
            owned.Dispose();
            checkpoint.Dispose();
            throw;
        }
    }
}
