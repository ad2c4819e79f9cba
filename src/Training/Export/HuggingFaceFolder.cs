using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Training.Model;

namespace LlmFramework.Training.Export;

/// <summary>
/// Writes a trained model as a Hugging Face folder: config.json, model.safetensors, tokenizer.model (copied),
/// tokenizer_config.json and generation_config.json. The engine's LLaMA family and transformers both load it.
/// </summary>
public static class HuggingFaceFolder
{
    /// <summary>A chat template for models trained on plain prose: turns are paragraphs, the reply follows "Assistant:".</summary>
    public const string PlainChatTemplate =
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'system' %}{{ message['content'] + '\n\n' }}" +
        "{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '\n\n' }}{% else %}{{ 'Assistant: ' + message['content'] + eos_token + '\n\n' }}{% endif %}" +
        "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="folder"/> with weights as <paramref name="type"/>; the
    /// tokenizer_config.json is a copy of <paramref name="tokenizerConfigPath"/> when given (a distilled student takes
    /// its teacher's), else a new one with the plain chat template.
    /// </summary>
    public static void Write(LlamaForCausalLM model, string folder, string tokenizerModelPath, DType type = DType.F16, string? tokenizerConfigPath = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(folder);
        LlamaTrainingConfig config = model.Config;
        config.WriteHuggingFaceConfig(Path.Combine(folder, "config.json"), type switch { DType.F16 => "float16", DType.BF16 => "bfloat16", _ => "float32" });
        WeightFiles.Save(model, Path.Combine(folder, SafetensorsCheckpoint.SingleFileName), type, metadata: new Dictionary<string, string> { ["format"] = "pt" });
        string tokenizerTarget = Path.Combine(folder, "tokenizer.model");
        if (!string.Equals(Path.GetFullPath(tokenizerModelPath), Path.GetFullPath(tokenizerTarget), StringComparison.Ordinal))
        {
            File.Copy(tokenizerModelPath, tokenizerTarget, overwrite: true);
            File.SetAttributes(tokenizerTarget, FileAttributes.Normal); // the source may be read-only
        }

        if (tokenizerConfigPath is not null)
        {
            File.Copy(tokenizerConfigPath, Path.Combine(folder, "tokenizer_config.json"), overwrite: true);
        }
        else
        {
            WriteJson(Path.Combine(folder, "tokenizer_config.json"), new JsonObject
            {
                ["tokenizer_class"] = "LlamaTokenizer",
                ["add_bos_token"] = true,
                ["add_eos_token"] = false,
                ["bos_token"] = "<s>",
                ["eos_token"] = "</s>",
                ["unk_token"] = "<unk>",
                ["model_max_length"] = config.ContextLength,
                ["legacy"] = false,
                ["chat_template"] = PlainChatTemplate,
            });
        }

        WriteJson(Path.Combine(folder, "generation_config.json"), new JsonObject
        {
            ["bos_token_id"] = config.BosId,
            ["eos_token_id"] = config.EosId,
            ["do_sample"] = true,
            ["temperature"] = 0.8,
            ["top_k"] = 40,
            ["top_p"] = 0.95,
            ["repetition_penalty"] = 1.1,
        });
    }

    internal static void WriteJson(string path, JsonNode json) =>
        File.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
