using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Moe;

namespace LlmFramework.Abstractions.Plugins;

/// <summary>Where a plugin registers what it provides.</summary>
public interface IPluginRegistry
{
    /// <summary>Registers a backend factory.</summary>
    void AddBackend(IBackendFactory factory);

    /// <summary>Registers a model family.</summary>
    void AddModelFamily(IModelFamily family);

    /// <summary>Registers an MoE scheduler factory (contract 1.2). Hosts older than 1.2 do not have it.</summary>
    void AddMoeScheduler(IMoeSchedulerFactory factory) =>
        throw new NotSupportedException($"this host does not take MoE schedulers (plugin contract 1.2); cannot register '{factory?.Name}'");
}
