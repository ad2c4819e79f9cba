using System.Reflection;
using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Plugins;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Plugins;

/// <summary>
/// Finds plugins (one folder per plugin under each plugin directory), refuses those built against an incompatible
/// contract, loads the rest in their own load contexts (McMaster.NETCore.Plugins; the contracts and the host's shared
/// libraries are shared), and with hot reload on, reloads a plugin when its folder changes: the new version is
/// loaded beside the old one and announced through <see cref="PluginReloaded"/>; a new build that fails to load
/// leaves the old one in place and the failure is logged. Old load contexts are never forcibly unloaded while their
/// objects are in use (the runtime collects them once nothing refers to them).
/// </summary>
public sealed class PluginManager : IDisposable
{
    private readonly object _lock = new();
    private readonly ILogger _logger;
    private readonly bool _hotReload;
    private readonly HashSet<string> _disabled;
    private readonly List<PluginLoader> _loaders = [];
    private readonly Dictionary<string, LoadedPlugin> _plugins = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<PluginLoadFailure> _failures = [];

    /// <summary>Creates a manager; call <see cref="LoadAll"/> to load.</summary>
    public PluginManager(IEnumerable<string> directories, bool hotReload, IEnumerable<string>? disabled, ILogger logger)
    {
        Directories = directories.Select(Path.GetFullPath).Distinct().ToArray();
        _hotReload = hotReload;
        _disabled = new HashSet<string>(disabled ?? [], StringComparer.OrdinalIgnoreCase);
        _logger = logger;
    }

    /// <summary>Raised (on a background thread) after a plugin's new build has been loaded.</summary>
    public event EventHandler<PluginReloadedEventArgs>? PluginReloaded;

    /// <summary>Raised (on a background thread) when a plugin's new build failed to load; the old one stays.</summary>
    public event EventHandler<PluginLoadFailure>? PluginReloadFailed;

    /// <summary>The plugin directories searched.</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>The plugins loaded now.</summary>
    public IReadOnlyList<LoadedPlugin> Plugins
    {
        get
        {
            lock (_lock)
            {
                return _plugins.Values.OrderBy(p => p.Manifest.Name, StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Plugin folders that could not be loaded.</summary>
    public IReadOnlyList<PluginLoadFailure> Failures
    {
        get
        {
            lock (_lock)
            {
                return _failures.ToArray();
            }
        }
    }

    /// <summary>All backend factories, by plugin.</summary>
    public IReadOnlyList<IBackendFactory> BackendFactories => Plugins.SelectMany(p => p.Backends).ToArray();

    /// <summary>All model families.</summary>
    public IReadOnlyList<IModelFamily> ModelFamilies => Plugins.SelectMany(p => p.Families).ToArray();

    /// <summary>
    /// All MoE scheduler factories (contract 1.2), by plugin. A hot reload replaces a plugin's factories here and
    /// announces the old and new ones through <see cref="PluginReloaded"/> (<see cref="LoadedPlugin.MoeSchedulers"/>).
    /// </summary>
    public IReadOnlyList<IMoeSchedulerFactory> MoeSchedulerFactories => Plugins.SelectMany(p => p.MoeSchedulers).ToArray();

    /// <summary>The plugin that registered the backend named <paramref name="name"/>, or null.</summary>
    public LoadedPlugin? FindBackendPlugin(string name) => Plugins.FirstOrDefault(p => p.Backends.Any(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// The MoE scheduler factory named <paramref name="name"/> (case-insensitive), or null. When two plugins register
    /// the same name, the one first in <see cref="Plugins"/> order wins, as for backends (a warning is logged at load).
    /// </summary>
    public IMoeSchedulerFactory? FindMoeScheduler(string name) => MoeSchedulerFactories.FirstOrDefault(f => SameName(f.Name, name));

    /// <summary>The plugin that registered the MoE scheduler named <paramref name="name"/>, or null.</summary>
    public LoadedPlugin? FindMoeSchedulerPlugin(string name) => Plugins.FirstOrDefault(p => p.MoeSchedulers.Any(f => SameName(f.Name, name)));

    /// <summary>Loads every plugin folder found. Failures are recorded in <see cref="Failures"/> and logged, never thrown.</summary>
    public void LoadAll()
    {
        foreach (string directory in Directories)
        {
            if (!Directory.Exists(directory))
            {
                _logger.LogDebug("plugin directory {Directory} does not exist", directory);
                continue;
            }

            foreach (string folder in Directory.GetDirectories(directory).Order(StringComparer.Ordinal))
            {
                LoadFolder(folder);
            }
        }
    }

    /// <summary>Loads the plugin in <paramref name="folder"/>; returns it, or null (see <see cref="Failures"/>).</summary>
    public LoadedPlugin? LoadFolder(string folder)
    {
        string? assemblyPath = FindMainAssembly(folder, out string? problem);
        if (assemblyPath is null)
        {
            Fail(folder, problem!);
            return null;
        }

        if (CheckDepsFile(assemblyPath) is { } badDeps)
        {
            Fail(assemblyPath, badDeps);
            return null;
        }

        if (ContractInspector.CheckCompatibility(assemblyPath) is { } incompatible)
        {
            Fail(assemblyPath, "refused: " + incompatible);
            return null;
        }

        PluginLoader loader;
        try
        {
            loader = PluginLoader.CreateFromAssemblyFile(
                assemblyPath,
                sharedTypes: [typeof(ILlmPlugin), typeof(ILogger)],
                configure: config =>
                {
                    config.PreferSharedTypes = true;
                    config.IsUnloadable = _hotReload;
                    config.EnableHotReload = _hotReload;
                    config.LoadInMemory = _hotReload;
                    config.ReloadDelay = TimeSpan.FromMilliseconds(500);
                });
        }
#pragma warning disable CA1031 // a broken plugin must not take the host down
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fail(assemblyPath, ex.Message);
            return null;
        }

        LoadedPlugin? plugin = Instantiate(loader, assemblyPath, loadCount: 1, out string? error);
        if (plugin is null)
        {
            Fail(assemblyPath, error!);
            loader.Dispose();
            return null;
        }

        lock (_lock)
        {
            if (_disabled.Contains(plugin.Manifest.Name))
            {
                _logger.LogInformation("plugin {Name} is disabled by configuration", plugin.Manifest.Name);
                loader.Dispose();
                return null;
            }

            if (_plugins.TryGetValue(plugin.Manifest.Name, out LoadedPlugin? existing))
            {
                Fail(assemblyPath, $"a plugin named {plugin.Manifest.Name} is already loaded from {existing.AssemblyPath}");
                loader.Dispose();
                return null;
            }

            WarnOfSchedulerNamesTaken(plugin);
            _plugins[plugin.Manifest.Name] = plugin;
            _loaders.Add(loader);
        }

        if (_hotReload)
        {
            loader.Reloaded += (_, args) => OnReloaded(args.Loader, assemblyPath, plugin.Manifest.Name);
        }

        _logger.LogInformation("loaded plugin {Name} {Version} ({Kind}, contract {Contract}) from {Path}", plugin.Manifest.Name, plugin.Manifest.Version, plugin.Manifest.Kind, plugin.Manifest.ContractVersion, assemblyPath);
        return plugin;
    }

    private void OnReloaded(PluginLoader loader, string assemblyPath, string name)
    {
        LoadedPlugin? previous;
        lock (_lock)
        {
            _plugins.TryGetValue(name, out previous);
        }

        if (previous is null)
        {
            return;
        }

        string? error = ContractInspector.CheckCompatibility(assemblyPath) is { } incompatible ? "refused: " + incompatible : null;
        LoadedPlugin? current = error is null ? Instantiate(loader, assemblyPath, previous.LoadCount + 1, out error) : null;
        if (current is not null && !string.Equals(current.Manifest.Name, name, StringComparison.OrdinalIgnoreCase))
        {
            error = $"the new build is named {current.Manifest.Name}, not {name}";
            current = null;
        }

        if (current is null)
        {
            var failure = new PluginLoadFailure(assemblyPath, $"new build of {name} not loaded, keeping version {previous.Manifest.Version} (load {previous.LoadCount}): {error}");
            _logger.LogError("{Reason}", failure.Reason);
            lock (_lock)
            {
                _failures.Add(failure);
            }

            PluginReloadFailed?.Invoke(this, failure);
            return;
        }

        lock (_lock)
        {
            _plugins[name] = current;
        }

        _logger.LogInformation("reloaded plugin {Name}: {Old} -> {New} (load {Count})", name, previous.Manifest.Version, current.Manifest.Version, current.LoadCount);
        PluginReloaded?.Invoke(this, new PluginReloadedEventArgs(previous, current));
    }

    private static LoadedPlugin? Instantiate(PluginLoader loader, string assemblyPath, int loadCount, out string? error)
    {
        try
        {
            Assembly assembly = loader.LoadDefaultAssembly();
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException ex)
            {
                error = $"types failed to load (built against other contracts?): {string.Join("; ", ex.LoaderExceptions.Where(e => e is not null).Select(e => e!.Message).Distinct().Take(3))}";
                return null;
            }

            Type[] entryTypes = types.Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(ILlmPlugin).IsAssignableFrom(t)).ToArray();
            if (entryTypes.Length != 1)
            {
                error = entryTypes.Length == 0
                    ? $"{Path.GetFileName(assemblyPath)} has no public class implementing ILlmPlugin"
                    : $"{Path.GetFileName(assemblyPath)} has {entryTypes.Length} classes implementing ILlmPlugin ({string.Join(", ", entryTypes.Select(t => t.FullName))}); a plugin assembly has exactly one";
                return null;
            }

            ILlmPlugin plugin;
            try
            {
                plugin = (ILlmPlugin)Activator.CreateInstance(entryTypes[0])!;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                error = $"{entryTypes[0].FullName} constructor failed: {ex.InnerException.GetType().Name}: {ex.InnerException.Message}";
                return null;
            }

            PluginManifest manifest = plugin.Manifest ?? throw new InvalidOperationException("Manifest is null");
            if (!ContractVersion.IsCompatible(manifest.ContractVersion))
            {
                error = $"plugin {manifest.Name} declares contract {manifest.ContractVersion}, but this host implements contract {ContractVersion.Current}";
                return null;
            }

            var registry = new PluginRegistry();
            plugin.Register(registry);
            error = null;
            return new LoadedPlugin(manifest, assemblyPath, registry.Backends, registry.Families, registry.MoeSchedulers, loadCount);
        }
#pragma warning disable CA1031 // report any failure of third-party code as a load failure
        catch (Exception ex)
#pragma warning restore CA1031
        {
            error = $"{ex.GetType().Name}: {ex.Message}";
            return null;
        }
    }

    /// <summary>
    /// The native dependency resolver behind plugin loading aborts the whole process on a malformed .deps.json, so the
    /// file is checked here first: null when it is absent or well-formed, else the problem.
    /// </summary>
    private static string? CheckDepsFile(string assemblyPath)
    {
        string deps = Path.ChangeExtension(assemblyPath, ".deps.json");
        if (!File.Exists(deps))
        {
            return null;
        }

        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(deps));
            System.Text.Json.JsonElement root = doc.RootElement;
            bool ok = root.ValueKind == System.Text.Json.JsonValueKind.Object
                && root.TryGetProperty("runtimeTarget", out System.Text.Json.JsonElement target) && target.ValueKind == System.Text.Json.JsonValueKind.Object
                && target.TryGetProperty("name", out System.Text.Json.JsonElement name) && name.ValueKind == System.Text.Json.JsonValueKind.String
                && root.TryGetProperty("targets", out System.Text.Json.JsonElement targets) && targets.ValueKind == System.Text.Json.JsonValueKind.Object;
            return ok ? null : $"{deps} lacks runtimeTarget.name or targets; rebuild the plugin";
        }
        catch (System.Text.Json.JsonException ex)
        {
            return $"{deps} is not valid JSON ({ex.Message}); rebuild the plugin";
        }
    }

    private static string? FindMainAssembly(string folder, out string? problem)
    {
        string[] deps = Directory.GetFiles(folder, "*.deps.json");
        foreach (string dep in deps)
        {
            string dll = Path.Combine(folder, Path.GetFileName(dep)[..^".deps.json".Length] + ".dll");
            if (File.Exists(dll))
            {
                problem = null;
                return dll;
            }
        }

        string[] dlls = Directory.GetFiles(folder, "*.dll");
        if (dlls.Length == 1)
        {
            problem = null;
            return dlls[0];
        }

        problem = dlls.Length == 0
            ? "no plugin assembly (*.dll) in the folder"
            : $"cannot tell the plugin's main assembly among {dlls.Length} dlls: add its .deps.json (build with EnableDynamicLoading)";
        return null;
    }

    private static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Logs each MoE scheduler name of <paramref name="plugin"/> that a loaded plugin already provides (call under the lock).</summary>
    private void WarnOfSchedulerNamesTaken(LoadedPlugin plugin)
    {
        foreach (IMoeSchedulerFactory factory in plugin.MoeSchedulers)
        {
            foreach (LoadedPlugin other in _plugins.Values.Where(p => p.MoeSchedulers.Any(f => SameName(f.Name, factory.Name))))
            {
                _logger.LogWarning("plugins {Plugin} and {Other} both provide the MoE scheduler {Scheduler}; the one whose name sorts first ({First}) is used", plugin.Manifest.Name, other.Manifest.Name, factory.Name, string.CompareOrdinal(plugin.Manifest.Name, other.Manifest.Name) < 0 ? plugin.Manifest.Name : other.Manifest.Name);
            }
        }
    }

    private void Fail(string path, string reason)
    {
        lock (_lock)
        {
            _failures.Add(new PluginLoadFailure(path, reason));
        }

        _logger.LogWarning("plugin {Path} not loaded: {Reason}", path, reason);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (PluginLoader loader in _loaders)
            {
                loader.Dispose();
            }

            _loaders.Clear();
        }
    }
}
