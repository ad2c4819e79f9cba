using LlmFramework.Abstractions.Models;
using LlmFramework.Formats;
using LlmFramework.Formats.Gguf;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Tokenizers.Checkpoints;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>Loads a DeepSeek model from a deepseek2 GGUF file or a Hugging Face folder.</summary>
internal static class DeepSeekLoader
{
    public static DeepSeekModel LoadGguf(string path, ModelLoadOptions options)
    {
        GgufFile file = GgufFile.Open(path);
        var owned = new OwnedTensors();
        try
        {
            DeepSeekConfig config = DeepSeekGgufConfigReader.Read(file);
            DeepSeekWeights weights = GgufDeepSeekWeightLoader.Load(config, new CheckedTensors(file.Path, file.ContainsTensor, file.GetTensor, owned));
            CheckpointTokenizer tokenizer = CheckpointTokenizerLoader.FromGguf(file);
            return Create(config, weights, options, $"GGUF {weights.Attention[0].Query.Type}", tokenizer, tokenizer.GenerationDefaults, [owned, file]);
        }
        catch
        {
            owned.Dispose();
            file.Dispose();
            throw;
        }
    }

    public static DeepSeekModel LoadFolder(string folder, ModelLoadOptions options)
    {
        DeepSeekConfig config = DeepSeekHuggingFaceConfigReader.Read(Path.Combine(folder, "config.json"));
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(folder);
        var owned = new OwnedTensors();
        try
        {
            var tensors = new HuggingFaceDeepSeekTensors(checkpoint, owned);
            string storage = tensors.HasFp8 ? "safetensors FP8 e4m3 (block-scaled, dequantised to F32)" : $"safetensors {checkpoint.GetInfo("model.embed_tokens.weight").DType}";
            DeepSeekWeights weights = HuggingFaceDeepSeekWeightLoader.Load(config, new CheckedTensors(checkpoint.Folder, tensors.Contains, tensors.Get, owned));
            CheckpointTokenizer tokenizer = CheckpointTokenizerLoader.FromFolder(folder);
            GenerationDefaults generation = GenerationConfigReader.Read(Path.Combine(folder, "generation_config.json"));
            return Create(config, weights, options, storage, tokenizer, generation, [owned, checkpoint]);
        }
        catch
        {
            owned.Dispose();
            checkpoint.Dispose();
            throw;
        }
    }

    private static DeepSeekModel Create(DeepSeekConfig config, DeepSeekWeights weights, ModelLoadOptions options, string storage, CheckpointTokenizer tokenizer, GenerationDefaults generation, IDisposable[] owned)
    {
        if (options.Adapters.Count > 0)
        {
            throw new NotSupportedException("the DeepSeek family does not apply LoRA adapters");
        }

        int context = options.ContextLength > 0 ? options.ContextLength : config.MaxPositionEmbeddings;
        var info = new ModelInfo(DeepSeekFamily.FamilyName, config.Architecture, config.VocabSize, context, weights.ParameterCount, $"{Describe(config)}; {storage}");
        return new DeepSeekModel(info, config, weights, context, tokenizer.Tokenizer, tokenizer.ChatTemplate, generation, owned);
    }

    private static string Describe(DeepSeekConfig c) =>
        $"{c.LayerCount} layers ({c.DenseLayerCount} dense), hidden {c.HiddenSize}, {c.HeadCount} heads, MLA q_lora {c.QLoraRank} kv_lora {c.KvLoraRank} " +
        $"nope {c.QkNopeHeadDim} rope {c.QkRopeHeadDim} v {c.VHeadDim}, {c.RoutedExperts} experts ({c.ExpertsPerToken} per token, {c.SharedExperts} shared, " +
        $"{c.ExpertGroups} groups / {c.ExpertGroupsUsed} used, {c.Gating}), KV {c.LatentKvValuesPerToken} values/token/layer vs {c.FullKvValuesPerToken} full";
}
