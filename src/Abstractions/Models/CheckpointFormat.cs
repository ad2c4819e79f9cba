namespace LlmFramework.Abstractions.Models;

/// <summary>On-disk form of a checkpoint.</summary>
public enum CheckpointFormat
{
    /// <summary>A single GGUF file.</summary>
    Gguf = 0,
    /// <summary>A Hugging Face folder: config.json + model.safetensors (or a sharded index) + tokenizer files.</summary>
    HuggingFaceFolder = 1,
}
