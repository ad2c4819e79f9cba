using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Backends.Cpu;

/// <summary>The plugin entry point: registers the "cpu" backend factory.</summary>
public sealed class CpuBackendPlugin : ILlmPlugin
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        "LlmFramework.Backends.Cpu",
        PluginKind.Backend,
        new Version(1, 0, 0),
        new Version(ContractVersion.Major, ContractVersion.Minor),
        "Managed CPU backend: vectorised (AVX-512/AVX2/SSE/scalar), multithreaded kernels for every contract-1 op and weight type.");

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddBackend(new CpuBackendFactory());
    }
}
