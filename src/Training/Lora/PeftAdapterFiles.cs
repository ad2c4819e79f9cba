using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Training.Export;
using LlmFramework.Training.Model;

namespace LlmFramework.Training.Lora;

/// <summary>
/// Writes a model's LoRA factors in the PEFT layout: adapter_config.json and adapter_model.safetensors with tensors
/// named base_model.model.&lt;module&gt;.lora_A.weight [r, in] and lora_B.weight [out, r], as PEFT's save_pretrained does,
/// so the engine (and PEFT) load it.
/// </summary>
public static class PeftAdapterFiles
{
    /// <summary>The prefix PEFT puts before a causal LM's own parameter names.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary>Whether a parameter name belongs to a LoRA factor.</summary>
    public static bool IsAdapterParameter(string name) => name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

    /// <summary>Writes the adapter of <paramref name="model"/> to <paramref name="folder"/>.</summary>
    public static void Write(LlamaForCausalLM model, LoraOptions options, string folder)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(folder);
        WeightFiles.Save(model, Path.Combine(folder, "adapter_model.safetensors"), DType.F32, IsAdapterParameter, Prefix, new Dictionary<string, string> { ["format"] = "pt" });
        HuggingFaceFolder.WriteJson(Path.Combine(folder, "adapter_config.json"), new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = Path.GetFullPath(options.BaseModel),
            ["r"] = options.Rank,
            ["lora_alpha"] = options.Alpha,
            ["lora_dropout"] = options.Dropout,
            ["target_modules"] = new JsonArray([.. options.TargetModules.Select(m => (JsonNode)JsonValue.Create(m)!)]),
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["modules_to_save"] = null,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
        });
    }
}
