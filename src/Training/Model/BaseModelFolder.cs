using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers;

namespace LlmFramework.Training.Model;

/// <summary>A trained Hugging Face LLaMA folder opened for further training (fine-tuning, or as a distillation teacher).</summary>
public static class BaseModelFolder
{
    /// <summary>Loads the model's config and weights (F32/F16/BF16 safetensors) into a new training model.</summary>
    public static LlamaForCausalLM LoadModel(string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            throw new ArgumentException($"{folder}: config.json is missing (expected a Hugging Face LLaMA folder)");
        }

        LlamaTrainingConfig config = LlamaTrainingConfig.ReadHuggingFaceConfig(configPath);
        string weights = Path.Combine(folder, "model.safetensors");
        if (!File.Exists(weights))
        {
            throw new ArgumentException($"{folder}: model.safetensors is missing (sharded checkpoints are not read by the trainer yet)");
        }

        var model = new LlamaForCausalLM(config);
        try
        {
            WeightFiles.Load(model, weights, optional: name => config.TiedEmbeddings && name == "lm_head.weight");
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return model;
    }

    /// <summary>The folder's tokenizer, as the engine loads it (<see cref="TokenizerFactory.FromFolder"/>).</summary>
    public static ITokenizer LoadTokenizer(string folder) => TokenizerFactory.FromFolder(folder);

    /// <summary>The chat template of the folder's tokenizer_config.json, or null.</summary>
    public static IChatTemplate? LoadChatTemplate(string folder)
    {
        string config = Path.Combine(folder, "tokenizer_config.json");
        return File.Exists(config) ? TokenizerFactory.ChatTemplateFromTokenizerConfig(config) : null;
    }
}
