namespace LlmFramework.Host.Configuration;

/// <summary>One entry of LlmFramework:Model:Adapters: a LoRA adapter (PEFT folder) applied when the model loads.</summary>
public sealed class AdapterOptions
{
    /// <summary>The adapter folder (adapter_config.json + adapter_model.safetensors); relative to the config file's folder.</summary>
    public string Path { get; set; } = "";

    /// <summary>"merged" (folded into the weights once) or "unmerged" (applied beside them every step).</summary>
    public string Mode { get; set; } = "merged";

    /// <summary>Multiplier of the adapter's contribution (1 = as trained).</summary>
    public float Scale { get; set; } = 1f;
}
