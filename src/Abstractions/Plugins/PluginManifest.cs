namespace LlmFramework.Abstractions.Plugins;

/// <summary>Who a plugin is and which contract it was built against.</summary>
/// <param name="Name">Unique plugin name (e.g. "LlmFramework.Backends.Cpu").</param>
/// <param name="Kind">What it provides.</param>
/// <param name="Version">The plugin's own version.</param>
/// <param name="ContractVersion">The contract version it was compiled against; write
/// <c>new Version(ContractVersion.Major, ContractVersion.Minor)</c> so the compiler bakes in the values.</param>
/// <param name="Description">One line for the plugins listing.</param>
public sealed record PluginManifest(string Name, PluginKind Kind, Version Version, Version ContractVersion, string Description);
