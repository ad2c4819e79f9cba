namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Backends.</summary>
public sealed class BackendSelectionOptions
{
    /// <summary>Backend names, most preferred first; empty means just the CPU backend, which is always added last as the fallback.</summary>
    /// <remarks>Empty by default: the configuration binder appends to an existing list rather than replacing it.</remarks>
    public List<string> Preferred { get; set; } = [];

    /// <summary>Worker threads per backend; 0 means one per core.</summary>
    public int Threads { get; set; }

    /// <summary>Device per backend name (e.g. "torch": "cuda:0").</summary>
    public Dictionary<string, string> Devices { get; set; } = [];

    /// <summary>Backend-specific settings: backend name -> key -> value.</summary>
    public Dictionary<string, Dictionary<string, string>> Settings { get; set; } = [];
}
