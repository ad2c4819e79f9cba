using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Host.Plugins;

/// <summary>Collects what one plugin registers.</summary>
internal sealed class PluginRegistry : IPluginRegistry
{
    public List<IBackendFactory> Backends { get; } = [];

    public List<IModelFamily> Families { get; } = [];

    public void AddBackend(IBackendFactory factory) => Backends.Add(factory ?? throw new ArgumentNullException(nameof(factory)));

    public void AddModelFamily(IModelFamily family) => Families.Add(family ?? throw new ArgumentNullException(nameof(family)));
}
