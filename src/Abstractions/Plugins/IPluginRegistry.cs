using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Abstractions.Plugins;

/// <summary>Where a plugin registers what it provides.</summary>
public interface IPluginRegistry
{
    /// <summary>Registers a backend factory.</summary>
    void AddBackend(IBackendFactory factory);

    /// <summary>Registers a model family.</summary>
    void AddModelFamily(IModelFamily family);
}
