namespace LlmFramework.Abstractions.Models;

/// <summary>
/// A LoRA adapter to apply when loading a model (contract 1.1): a folder in the PEFT layout (adapter_config.json and
/// adapter_model.safetensors). The effective scale is <see cref="Scale"/> * lora_alpha / r (alpha / sqrt(r) with rsLoRA).
/// </summary>
/// <param name="Path">The adapter folder.</param>
/// <param name="Mode">Merged into the weights or applied beside them.</param>
/// <param name="Scale">Extra multiplier of the adapter's contribution (1 = as trained).</param>
public sealed record AdapterSpec(string Path, AdapterMode Mode = AdapterMode.Merged, float Scale = 1f);
