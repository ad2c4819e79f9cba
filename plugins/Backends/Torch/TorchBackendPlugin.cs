using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Plugins;

namespace LlmFramework.Backends.Torch;

/// <summary>
/// The plugin entry point: registers the "torch" backend factory. Registering starts nothing: libtorch is loaded
/// when a torch backend is created or its devices are listed.
/// </summary>
public sealed class TorchBackendPlugin : ILlmPlugin
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        "LlmFramework.Backends.Torch",
        PluginKind.Backend,
        PluginVersion(),
        new Version(ContractVersion.Major, ContractVersion.Minor),
        "TorchSharp (libtorch) backend \"torch\": every contract-1 op on the CPU or a CUDA device; weights dequantised to F32 once.");

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddBackend(new TorchBackendFactory());
    }

    /// <summary>The assembly's version as major.minor.build.</summary>
    private static Version PluginVersion()
    {
        Version v = typeof(TorchBackendPlugin).Assembly.GetName().Version ?? new Version(0, 0, 0);
        return new Version(v.Major, v.Minor, Math.Max(v.Build, 0));
    }
}
