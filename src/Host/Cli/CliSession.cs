using System.CommandLine;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Runtime;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Cli;

/// <summary>What one CLI invocation set up: configuration, logging, plugins and (on demand) the model runtime.</summary>
internal sealed class CliSession : IDisposable
{
    private ModelRuntime? _runtime;

    private CliSession(HostOptions options, ILoggerFactory loggerFactory, PluginManager plugins)
    {
        Options = options;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("LlmFramework.Host");
        Plugins = plugins;
    }

    public HostOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    public PluginManager Plugins { get; }

    /// <summary>The host's own plugins folder.</summary>
    public static string HostPluginDirectory => Path.Combine(AppContext.BaseDirectory, "plugins");

    /// <summary>
    /// Loads the configuration (the verb's <paramref name="verbOverrides"/> first, so --set wins over them), sets up
    /// logging and loads the plugins.
    /// </summary>
    public static CliSession Open(ParseResult parse, CommonOptions common, bool hotReload = false, IEnumerable<string>? verbOverrides = null)
    {
        var overrides = new List<string>(verbOverrides ?? []);
        overrides.AddRange(parse.GetValue(common.Set) ?? []);
        if (parse.GetValue(common.Threads) is int threads)
        {
            overrides.Add($"LlmFramework:Backends:Threads={threads}");
        }

        string? model = common.Model.Parents.Any() ? parse.GetValue(common.Model) : null;
        if (!string.IsNullOrEmpty(model))
        {
            overrides.Add($"LlmFramework:Model:Path={Path.GetFullPath(model)}");
        }

        string[] adapters = common.Adapters.Parents.Any() ? parse.GetValue(common.Adapters) ?? [] : [];
        for (int i = 0; i < adapters.Length; i++)
        {
            string adapter = adapters[i];
            string mode = "merged";
            foreach (string suffix in new[] { ":merged", ":unmerged" })
            {
                if (adapter.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                {
                    mode = suffix[1..];
                    adapter = adapter[..^suffix.Length];
                }
            }

            if (string.IsNullOrWhiteSpace(adapter))
            {
                throw new ArgumentException($"--adapter '{adapters[i]}' names no folder (expected DIR or DIR:unmerged)");
            }

            overrides.Add($"LlmFramework:Model:Adapters:{i}:Path={Path.GetFullPath(adapter)}");
            overrides.Add($"LlmFramework:Model:Adapters:{i}:Mode={mode}");

            // The flag replaces the config file's entry i whole, so that entry's Scale does not carry over; placed
            // before the --set values so that --set LlmFramework:Model:Adapters:i:Scale=X still sets it.
            overrides.Insert(0, $"LlmFramework:Model:Adapters:{i}:Scale=1");
        }

        string[] extraDirectories = parse.GetValue(common.PluginDirectories) ?? [];
        for (int i = 0; i < extraDirectories.Length; i++)
        {
            overrides.Add($"LlmFramework:Plugins:Directories:{100 + i}={Path.GetFullPath(extraDirectories[i])}");
        }

        (HostOptions options, _) = HostConfigurationLoader.Load(parse.GetValue(common.Config), overrides);
        bool verbose = parse.GetValue(common.Verbose);
        ILoggerFactory loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
            b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        var directories = new List<string> { HostPluginDirectory };
        directories.AddRange(options.Plugins.Directories);
        var plugins = new PluginManager(directories, hotReload && options.Plugins.HotReload, options.Plugins.Disabled, loggerFactory.CreateLogger<PluginManager>());
        plugins.LoadAll();
        return new CliSession(options, loggerFactory, plugins);
    }

    public ModelRuntime Runtime => _runtime ??= ModelRuntime.Start(Plugins, Options, Logger);

    public void Dispose()
    {
        _runtime?.Dispose();
        Plugins.Dispose();
        LoggerFactory.Dispose();
    }
}
