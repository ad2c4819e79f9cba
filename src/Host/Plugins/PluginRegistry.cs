using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Host.Plugins;

/// <summary>Collects what one plugin registers.</summary>
internal sealed class PluginRegistry : IPluginRegistry
{
    public List<IBackendFactory> Backends { get; } = [];

    public List<IModelFamily> Families { get; } = [];

    public List<IMoeSchedulerFactory> MoeSchedulers { get; } = [];

    public void AddBackend(IBackendFactory factory) => Backends.Add(factory ?? throw new ArgumentNullException(nameof(factory)));

    public void AddModelFamily(IModelFamily family) => Families.Add(family ?? throw new ArgumentNullException(nameof(family)));

    /// <exception cref="ArgumentException">The plugin already registered a scheduler of that name (names are case-insensitive).</exception>
    public void AddMoeScheduler(IMoeSchedulerFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (string.IsNullOrWhiteSpace(factory.Name))
        {
            throw new ArgumentException($"an MoE scheduler factory ({factory.GetType().FullName}) has no name", nameof(factory));
        }

        if (MoeSchedulers.Any(s => string.Equals(s.Name, factory.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"the MoE scheduler '{factory.Name}' is registered twice (names are compared case-insensitively)", nameof(factory));
        }

        MoeSchedulers.Add(factory);
    }
}
