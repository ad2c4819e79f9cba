namespace LlmFramework.SemanticKernel.Settings;

/// <summary>
/// How to start the in-process engine: a host configuration file (the same JSON the host's verbs read, section
/// "LlmFramework"), overrides, and where the plugins are. With nothing set, the embedded default model runs on the CPU
/// backend, loaded from the <c>plugins</c> and <c>models/default</c> folders beside the application (which
/// <c>build/LlmFrameworkHost.targets</c> puts there).
/// </summary>
public sealed class LlmFrameworkInProcessOptions
{
    /// <summary>The host configuration file (JSON, comments allowed); null = defaults only.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>"Section:Key=Value" overrides applied over the file and the <c>LLMF_</c> environment variables (as <c>--set</c>).</summary>
    public IList<string> Overrides { get; } = [];

    /// <summary>
    /// Extra folders searched for plugins (one sub-folder per plugin). The <c>plugins</c> folder beside the application is
    /// always searched, and so are the configuration's LlmFramework:Plugins:Directories.
    /// </summary>
    public IList<string> PluginDirectories { get; } = [];

    /// <summary>Reload a plugin when its files change (off by default for an embedding application).</summary>
    public bool HotReload { get; set; }

    /// <summary>The model id reported in responses and metadata; null = the model file's name without its extension.</summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// The identity of the engine these options start: two option sets with the same key share one engine in a
    /// service container (config file as a full path, overrides, plugin folders, hot reload).
    /// </summary>
    public string SharingKey => string.Join(
        "\n",
        [
            string.IsNullOrEmpty(ConfigFile) ? "" : Path.GetFullPath(ConfigFile),
            .. Overrides,
            "--plugins",
            .. PluginDirectories.Select(Path.GetFullPath),
            HotReload ? "hot-reload" : "",
        ]);
}
