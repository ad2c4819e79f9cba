namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Plugins.</summary>
public sealed class PluginOptions
{
    /// <summary>Extra folders searched for plugins (each holds one folder per plugin). The host's own plugins/ folder is always searched.</summary>
    public List<string> Directories { get; set; } = [];

    /// <summary>Reload a plugin when its files change and switch to it at the next step boundary.</summary>
    public bool HotReload { get; set; } = true;

    /// <summary>Plugin names not to load.</summary>
    public List<string> Disabled { get; set; } = [];
}
