namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Model (and each entry of LlmFramework:Server:Models).</summary>
public sealed class ModelOptions
{
    /// <summary>The id the HTTP server lists it under (a request's "model" field); empty = the file or folder name.</summary>
    public string Id { get; set; } = "";

    /// <summary>GGUF file or Hugging Face folder; empty means the embedded default model. Relative paths are resolved against the config file's folder.</summary>
    public string Path { get; set; } = "";

    /// <summary>Model family plugin to use ("llama"); empty means the first family that recognises the checkpoint.</summary>
    public string Family { get; set; } = "";

    /// <summary>Longest sequence; 0 means the model's own.</summary>
    public int ContextLength { get; set; }

    /// <summary>LoRA adapters applied at load, in order.</summary>
    public List<AdapterOptions> Adapters { get; set; } = [];
}
