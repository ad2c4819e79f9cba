using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Schedulers.Tests.Support;

/// <summary>A registry that takes only MoE schedulers, as a scheduler plugin should register nothing else.</summary>
internal sealed class SchedulerRegistry : IPluginRegistry
{
    public List<IMoeSchedulerFactory> Schedulers { get; } = [];

    public void AddBackend(IBackendFactory factory) => throw new NotSupportedException("a scheduler plugin registers no backends");

    public void AddModelFamily(IModelFamily family) => throw new NotSupportedException("a scheduler plugin registers no model families");

    public void AddMoeScheduler(IMoeSchedulerFactory factory) => Schedulers.Add(factory);
}
