using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Plugins;

namespace Contoso.LlmBackend;

/// <summary>
/// The plugin's entry point. The host creates one instance of the assembly's single public <see cref="ILlmPlugin"/>
/// class, checks <see cref="Manifest"/> and calls <see cref="Register"/>.
/// </summary>
public sealed class ContosoBackendPlugin : ILlmPlugin
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        "Contoso.LlmBackend",
        PluginKind.Backend,
        PluginVersion(),
        // const fields: the compiler copies the numbers of the contracts this plugin was built against into our IL,
        // so a newer host still sees "1.0" here, not its own version.
        new Version(ContractVersion.Major, ContractVersion.Minor),
        "Sample third-party backend \"contoso\": Vector256 MatMul (F32/F16 weights), RmsNorm and element-wise ops; the rest falls back to cpu.");

    /// <summary>The assembly's version (the project's Version property, e.g. <c>-p:Version=1.0.1</c>) as major.minor.build.</summary>
    private static Version PluginVersion()
    {
        Version v = typeof(ContosoBackendPlugin).Assembly.GetName().Version ?? new Version(0, 0, 0);
        return new Version(v.Major, v.Minor, Math.Max(v.Build, 0));
    }

    /// <inheritdoc />
    public void Register(IPluginRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.AddBackend(new ContosoBackendFactory());
    }
}
