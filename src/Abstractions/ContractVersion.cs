namespace LlmFramework.Abstractions;

/// <summary>
/// The version of the plugin contracts in this assembly. A plugin is compatible with a host when
/// both have the same <see cref="Major"/> and the plugin's <see cref="Minor"/> is not newer than the host's.
/// </summary>
/// <remarks>
/// The numbers are <c>const</c> on purpose: a plugin compiled against this assembly bakes the values it saw
/// into its own IL (for example in its <see cref="Plugins.PluginManifest"/>), so the host can tell which
/// contract the plugin was built against even though it loads the host's copy of this assembly.
/// Every change to a public type here bumps <see cref="Minor"/> (additive) or <see cref="Major"/> (breaking)
/// and is recorded in CHANGELOG.md.
/// </remarks>
public static class ContractVersion
{
    /// <summary>Breaking-change number.</summary>
    public const int Major = 1;

    /// <summary>Additive-change number.</summary>
    public const int Minor = 3;

    /// <summary>The contract version of this assembly as a <see cref="Version"/>.</summary>
    public static Version Current => new(Major, Minor);

    /// <summary>True when a plugin built against <paramref name="pluginContract"/> can run on this host.</summary>
    public static bool IsCompatible(Version pluginContract)
    {
        ArgumentNullException.ThrowIfNull(pluginContract);
        return pluginContract.Major == Major && pluginContract.Minor <= Minor;
    }
}
