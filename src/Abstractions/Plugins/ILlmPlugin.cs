namespace LlmFramework.Abstractions.Plugins;

/// <summary>
/// The entry point of a plugin assembly: the host creates one instance of each public non-abstract class that
/// implements this interface (it needs a public parameterless constructor), checks its manifest and calls
/// <see cref="Register"/>.
/// </summary>
public interface ILlmPlugin
{
    /// <summary>Identity and contract version.</summary>
    PluginManifest Manifest { get; }

    /// <summary>Registers the plugin's providers.</summary>
    void Register(IPluginRegistry registry);
}
