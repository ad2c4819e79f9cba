namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Model.</summary>
public sealed class ModelOptions
{
    /// <summary>GGUF file or Hugging Face folder; empty means the embedded default model. Relative paths are resolved against the config file's folder.</summary>
    public string Path { get; set; } = "";

    /// <summary>Model family plugin to use ("llama"); empty means the first family that recognises the checkpoint.</summary>
    public string Family { get; set; } = "";

    /// <summary>Longest sequence; 0 means the model's own.</summary>
    public int ContextLength { get; set; }

    /// <summary>LoRA adapters applied at load, in order.</summary>
    public List<AdapterOptions> Adapters { get; set; } = [];
}
