using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Models.Llama.Adapters;
using LlmFramework.Quantization;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>Writes LoRA adapters in the PEFT layout (adapter_config.json + adapter_model.safetensors), as PEFT saves them.</summary>
internal static class PeftAdapterFolder
{
    /// <summary>The adapter_config.json PEFT writes for a LoRA of rank <paramref name="rank"/> (every key PEFT 0.13 saves that matters here).</summary>
    public static JsonObject Config(int rank, double alpha, IEnumerable<LoraFactor> factors) => new()
    {
        ["peft_type"] = "LORA",
        ["task_type"] = "CAUSAL_LM",
        ["base_model_name_or_path"] = "test-model",
        ["r"] = rank,
        ["lora_alpha"] = alpha,
        ["lora_dropout"] = 0.0,
        ["target_modules"] = new JsonArray([.. factors.Select(f => (JsonNode?)LoraAdapter.ModuleName(f.Projection).Split('.')[1]).Distinct()]),
        ["bias"] = "none",
        ["fan_in_fan_out"] = false,
        ["use_rslora"] = false,
        ["use_dora"] = false,
        ["modules_to_save"] = null,
        ["rank_pattern"] = new JsonObject(),
        ["alpha_pattern"] = new JsonObject(),
        ["inference_mode"] = true,
    };

    /// <summary>
    /// Writes <paramref name="factors"/> (all of rank <paramref name="rank"/>) with lora_alpha <paramref name="alpha"/> to
    /// <paramref name="folder"/>; <paramref name="editConfig"/> changes the config before it is written.
    /// </summary>
    public static string Write(string folder, IReadOnlyList<LoraFactor> factors, double alpha, DType type = DType.F32, Action<JsonObject>? editConfig = null)
    {
        int rank = factors[0].Rank;
        JsonObject config = Config(rank, alpha, factors);
        editConfig?.Invoke(config);
        var st = new SafetensorsWriter();
        foreach (LoraFactor f in factors)
        {
            st.Add($"{f.TensorPrefix}.lora_A.weight", type, [f.Rank, f.Inputs], BlockQuantizer.Quantize(type, f.A));
            st.Add($"{f.TensorPrefix}.lora_B.weight", type, [f.Outputs, f.Rank], BlockQuantizer.Quantize(type, f.B));
        }

        return WriteFiles(folder, config, st);
    }

    /// <summary>Writes <paramref name="config"/> and the tensors of <paramref name="tensors"/> (raw, for malformed adapters).</summary>
    public static string WriteFiles(string folder, JsonObject config, SafetensorsWriter tensors)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), config.ToJsonString());
        tensors.WriteTo(Path.Combine(folder, "adapter_model.safetensors"));
        return folder;
    }

    /// <summary>The values of <paramref name="values"/> as F32 bytes.</summary>
    public static byte[] F32Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
