using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Engine;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Runtime;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// The engine running inside this process, started the way the host's verbs start it: the configuration is loaded and
/// validated by <see cref="HostConfigurationLoader"/>, plugins are loaded by a <see cref="PluginManager"/> and the model
/// by <see cref="ModelRuntime"/>. One instance serves any number of chat clients and embedding generators at once
/// (the engine batches concurrent requests); dispose it after them.
/// </summary>
public sealed class InProcessEngine : IDisposable
{
    private readonly PluginManager _plugins;
    private int _disposed;

    private InProcessEngine(HostOptions options, PluginManager plugins, ModelRuntime runtime, string modelId)
    {
        Options = options;
        _plugins = plugins;
        Runtime = runtime;
        ModelId = modelId;
        ChatTemplate = runtime.Model.ChatTemplate ?? new PlainChatTemplate();
    }

    /// <summary>The validated host configuration (its Generation section gives the sampling defaults).</summary>
    public HostOptions Options { get; }

    /// <summary>The loaded model and its engine.</summary>
    public ModelRuntime Runtime { get; }

    /// <summary>The engine.</summary>
    public InferenceEngine Engine => Runtime.Engine;

    /// <summary>The model id reported in responses and metadata.</summary>
    public string ModelId { get; }

    /// <summary>The model's chat template, or the plain "User:/Assistant:" format when the checkpoint has none.</summary>
    public IChatTemplate ChatTemplate { get; }

    /// <summary>Whether <see cref="ChatTemplate"/> is the plain fallback format (the model has no template of its own).</summary>
    public bool UsesFallbackTemplate => ChatTemplate is PlainChatTemplate;

    /// <summary>The plugins folder beside the application, always searched.</summary>
    public static string ApplicationPluginDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>Loads the configuration, the plugins and the model, and starts the engine.</summary>
    /// <exception cref="HostConfigurationException">The configuration is invalid (the message names the key).</exception>
    /// <exception cref="InvalidOperationException">No plugins or no model could be found (the message says where it looked).</exception>
    public static InProcessEngine Start(LlmFrameworkInProcessOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        options ??= new LlmFrameworkInProcessOptions();
        loggerFactory ??= NullLoggerFactory.Instance;
        (HostOptions hostOptions, _) = HostConfigurationLoader.Load(options.ConfigFile, options.Overrides);
        var directories = new List<string>();
        if (Directory.Exists(ApplicationPluginDirectory))
        {
            directories.Add(ApplicationPluginDirectory);
        }

        foreach (string dir in options.PluginDirectories)
        {
            string full = Path.GetFullPath(dir);
            if (!Directory.Exists(full))
            {
                throw new ArgumentException($"LlmFrameworkInProcessOptions.PluginDirectories: '{full}' does not exist");
            }

            directories.Add(full);
        }

        directories.AddRange(hostOptions.Plugins.Directories);
        if (directories.Count == 0)
        {
            throw new InvalidOperationException($"no plugin folder: expected {ApplicationPluginDirectory} (import build/LlmFrameworkHost.targets in the application's project to copy the host's plugins there) or set LlmFrameworkInProcessOptions.PluginDirectories");
        }

        var plugins = new PluginManager(directories, options.HotReload && hostOptions.Plugins.HotReload, hostOptions.Plugins.Disabled, loggerFactory.CreateLogger<PluginManager>());
        try
        {
            plugins.LoadAll();
            ModelRuntime runtime = ModelRuntime.Start(plugins, hostOptions, loggerFactory.CreateLogger("LlmFramework.SemanticKernel"));
            string modelId = string.IsNullOrEmpty(options.ModelId) ? ModelIdOf(runtime.ModelPath) : options.ModelId;
            return new InProcessEngine(hostOptions, plugins, runtime, modelId);
        }
        catch
        {
            plugins.Dispose();
            throw;
        }
    }

    /// <summary>Stops the engine and releases the model and the plugins.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Runtime.Dispose();
        _plugins.Dispose();
    }

    /// <summary>A model's id from its path: the file name without extension, or the folder name ("default" for the embedded model).</summary>
    private static string ModelIdOf(string path)
    {
        string trimmed = path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (Directory.Exists(trimmed))
        {
            return Path.GetFileName(trimmed);
        }

        string name = Path.GetFileNameWithoutExtension(trimmed);
        string? folder = Path.GetFileName(Path.GetDirectoryName(trimmed));
        return name == "model" && !string.IsNullOrEmpty(folder) ? folder : name;
    }
}
