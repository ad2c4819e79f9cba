using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;

namespace LlmFramework.Host.Tests.Support;

/// <summary>
/// Writes a PEFT LoRA adapter folder for a test model of hidden size <c>dim</c> whose heads fill it (q_proj and o_proj
/// are [dim, dim]): rank 2, lora_alpha 4, seeded random factors on q_proj and o_proj of layer 0, large enough to
/// change the model's predictions.
/// </summary>
public static class TestLoraAdapter
{
    public static string Write(string folder, int dim, int seed = 1)
    {
        const int rank = 2;
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "adapter_config.json"), """
            { "peft_type": "LORA", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj", "o_proj"], "bias": "none",
              "fan_in_fan_out": false, "use_rslora": false, "use_dora": false, "modules_to_save": null, "task_type": "CAUSAL_LM" }
            """);
        var random = new Random(seed);
        float[] Values(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5))];
        var st = new SafetensorsWriter();
        foreach (string module in new[] { "self_attn.q_proj", "self_attn.o_proj" })
        {
            string prefix = $"base_model.model.model.layers.0.{module}";
            st.Add($"{prefix}.lora_A.weight", DType.F32, [rank, dim], MemoryMarshal.AsBytes(Values(rank * dim).AsSpan()).ToArray());
            st.Add($"{prefix}.lora_B.weight", DType.F32, [dim, rank], MemoryMarshal.AsBytes(Values(dim * rank).AsSpan()).ToArray());
        }

        st.WriteTo(Path.Combine(folder, "adapter_model.safetensors"));
        return folder;
    }
}
