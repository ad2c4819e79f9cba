using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Engine;
using LlmFramework.Engine.Moe;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Runtime;

/// <summary>
/// A model loaded through its family plugin and running on the configured backends, kept up to date with plugin hot
/// reloads: when a backend plugin in use is rebuilt, new backend instances are created from the new build and the
/// engine switches to them at the next step boundary; generations in flight continue.
/// </summary>
public sealed class ModelRuntime : IDisposable
{
    private readonly PluginManager _plugins;
    private readonly HostOptions _options;
    private readonly ILogger _logger;
    private readonly object _swapLock = new();

    private ModelRuntime(PluginManager plugins, HostOptions options, IModel model, InferenceEngine engine, string modelPath, ILogger logger)
    {
        _plugins = plugins;
        _options = options;
        Model = model;
        Engine = engine;
        ModelPath = modelPath;
        _logger = logger;
        _plugins.PluginReloaded += OnPluginReloaded;
    }

    /// <summary>The loaded model.</summary>
    public IModel Model { get; }

    /// <summary>The engine running it.</summary>
    public InferenceEngine Engine { get; }

    /// <summary>Where the model came from.</summary>
    public string ModelPath { get; }

    /// <summary>Number of backend switches caused by plugin reloads.</summary>
    public int BackendSwapCount { get; private set; }

    /// <summary>Loads the configured model (or the default one) and starts an engine on the configured backends.</summary>
    public static ModelRuntime Start(PluginManager plugins, HostOptions options, ILogger logger) =>
        Start(plugins, options, options?.Model!, logger);

    /// <summary>
    /// Loads <paramref name="modelOptions"/> (LlmFramework:Model or an entry of LlmFramework:Server:Models; empty path = the
    /// default model) and starts an engine for it with the backends and engine sizes of <paramref name="options"/>.
    /// </summary>
    public static ModelRuntime Start(PluginManager plugins, HostOptions options, ModelOptions modelOptions, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(modelOptions);
        IReadOnlyList<IModelFamily> families = plugins.ModelFamilies;
        if (families.Count == 0)
        {
            throw new InvalidOperationException($"no model-family plugin is loaded (searched {string.Join(", ", plugins.Directories)}){FailureSummary(plugins)}");
        }

        string path = string.IsNullOrEmpty(modelOptions.Path) ? DefaultModel.Locate() : modelOptions.Path;
        ModelSource source = ModelSource.Open(path);
        IModelFamily family = ChooseFamily(families, source, modelOptions.Family);
        logger.LogInformation("loading {Path} with the {Family} family", source.Path, family.Name);
        IModel model = family.Load(source, new ModelLoadOptions
        {
            ContextLength = modelOptions.ContextLength,
            Adapters = [.. modelOptions.Adapters.Select(a => new AdapterSpec(a.Path, a.Mode == "unmerged" ? AdapterMode.Unmerged : AdapterMode.Merged, a.Scale))],
        });
        try
        {
            IReadOnlyList<IBackend> backends = CreateBackends(plugins, options, logger);
            var engineOptions = new EngineOptions
            {
                MaxBatchTokens = options.Engine.MaxBatchTokens,
                MaxSequences = options.Engine.MaxSequences,
                KvBlockSize = options.Engine.KvBlockSize,
                KvCacheTokens = options.Engine.KvCacheTokens,
                KvCacheBytes = (long)(options.Engine.KvCacheMemoryMiB * 1024 * 1024),
                MaxQueuedRequests = options.Engine.MaxQueuedRequests,
                SchedulingPolicy = options.Engine.SchedulingPolicy == "priority" ? LlmFramework.Engine.Generation.SchedulingPolicy.Priority : LlmFramework.Engine.Generation.SchedulingPolicy.FirstComeFirstServed,
                PrefixCaching = options.Engine.PrefixCaching,
                ContextLength = modelOptions.ContextLength,
                Threads = options.Backends.Threads,
                Moe = MoeOptionsFrom(plugins, options.Moe),
            };
            var engine = new InferenceEngine(model, backends, engineOptions, logger);
            return new ModelRuntime(plugins, options, model, engine, source.Path, logger);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// LlmFramework:Moe as engine options: the named scheduler from its plugin, the budget, saved statistics, and for
    /// Devices above 1 the CPU backend's factory, which makes the expert devices.
    /// </summary>
    public static MoeOptions MoeOptionsFrom(PluginManager plugins, MoeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(settings);
        IMoeScheduler? scheduler = null;
        if (!string.IsNullOrWhiteSpace(settings.Scheduler))
        {
            IMoeSchedulerFactory factory = plugins.FindMoeScheduler(settings.Scheduler)
                ?? throw new InvalidOperationException($"LlmFramework:Moe:Scheduler '{settings.Scheduler}' is not a loaded MoE scheduler; loaded: {string.Join(", ", plugins.MoeSchedulerFactories.Select(f => f.Name).DefaultIfEmpty("(none)"))}");
            try
            {
                scheduler = factory.Create(settings.Settings);
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"LlmFramework:Moe:Settings: {e.Message}", e);
            }
        }

        ExpertLoad? saved = null;
        if (!string.IsNullOrWhiteSpace(settings.StatisticsFile) && File.Exists(settings.StatisticsFile))
        {
            saved = ExpertLoadFile.Load(settings.StatisticsFile);
        }

        return new MoeOptions
        {
            Scheduler = scheduler,
            ExpertBudgetBytes = settings.ExpertMemoryMiB < 0 ? -1 : (long)(settings.ExpertMemoryMiB * 1024 * 1024),
            WindowSteps = settings.WindowSteps,
            RebalanceSteps = settings.RebalanceSteps,
            DeviceCount = settings.Devices,
            PrefetchNextLayer = settings.PrefetchNextLayer,
            ExpertDeviceFactory = settings.Devices > 1 ? plugins.BackendFactories.FirstOrDefault(f => string.Equals(f.Name, "cpu", StringComparison.OrdinalIgnoreCase)) : null,
            InitialLoad = saved,
        };
    }

    /// <summary>The family to load <paramref name="source"/> with: the configured one, or the first that recognises it.</summary>
    public static IModelFamily ChooseFamily(IReadOnlyList<IModelFamily> families, ModelSource source, string? configured)
    {
        ArgumentNullException.ThrowIfNull(families);
        ArgumentNullException.ThrowIfNull(source);
        if (!string.IsNullOrEmpty(configured))
        {
            IModelFamily named = families.FirstOrDefault(f => string.Equals(f.Name, configured, StringComparison.OrdinalIgnoreCase))
                ?? throw new InvalidOperationException($"LlmFramework:Model:Family '{configured}' is not a loaded model family; loaded: {string.Join(", ", families.Select(f => f.Name))}");
            ModelRecognition r = named.Recognize(source);
            return r.IsMatch ? named : throw new ModelLoadException(source.Path, $"the {named.Name} family cannot load it: {r.Reason}");
        }

        var reasons = new List<string>();
        foreach (IModelFamily family in families)
        {
            ModelRecognition r = family.Recognize(source);
            if (r.IsMatch)
            {
                return family;
            }

            reasons.Add($"{family.Name}: {r.Reason}");
        }

        throw new ModelLoadException(source.Path, $"no loaded model family recognises this checkpoint ({string.Join("; ", reasons)})");
    }

    /// <summary>Creates the configured backends (most preferred first) with the CPU backend last as the fallback.</summary>
    public static IReadOnlyList<IBackend> CreateBackends(PluginManager plugins, HostOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(options);
        var names = options.Backends.Preferred.Select(n => n.Trim()).Where(n => n.Length > 0).ToList();
        if (!names.Contains("cpu", StringComparer.OrdinalIgnoreCase))
        {
            names.Add("cpu");
        }

        var backends = new List<IBackend>();
        IReadOnlyList<IBackendFactory> factories = plugins.BackendFactories;
        foreach (string name in names)
        {
            IBackendFactory? factory = factories.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
            if (factory is null)
            {
                string message = $"backend '{name}' (LlmFramework:Backends:Preferred) is not provided by any loaded plugin; loaded backends: {(factories.Count == 0 ? "none" : string.Join(", ", factories.Select(f => f.Name)))}{FailureSummary(plugins)}";
                if (string.Equals(name, "cpu", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException(message);
                }

                logger.LogWarning("{Message}; skipping it", message);
                continue;
            }

            try
            {
                IBackend backend = factory.Create(BackendOptionsFor(options, factory.Name));
                logger.LogInformation("backend {Name} on {Device}: {Description}", backend.Name, backend.Device.Name, backend.Device.Description);
                backends.Add(backend);
            }
            catch (NotSupportedException ex) when (!string.Equals(name, "cpu", StringComparison.OrdinalIgnoreCase))
            {
                logger.LogWarning("backend {Name} not used: {Reason}", name, ex.Message);
            }
        }

        return backends;
    }

    private static BackendOptions BackendOptionsFor(HostOptions options, string backendName) => new()
    {
        Threads = options.Backends.Threads,
        Device = options.Backends.Devices.GetValueOrDefault(backendName),
        Settings = options.Backends.Settings.GetValueOrDefault(backendName) ?? new Dictionary<string, string>(),
    };

    private static string FailureSummary(PluginManager plugins)
    {
        IReadOnlyList<PluginLoadFailure> failures = plugins.Failures;
        return failures.Count == 0 ? "" : $" (plugins that failed to load: {string.Join("; ", failures.Select(f => $"{f.Path}: {f.Reason}"))})";
    }

    private void OnPluginReloaded(object? sender, PluginReloadedEventArgs e)
    {
        SwapScheduler(e);
        lock (_swapLock)
        {
            IReadOnlyList<IBackend> current = Engine.Backends;
            var oldNames = e.Previous.Backends.Select(b => b.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (!current.Any(b => oldNames.Contains(b.Name)))
            {
                return;
            }

            var replacement = new List<IBackend>(current.Count);
            var created = new List<IBackend>();
            try
            {
                foreach (IBackend backend in current)
                {
                    IBackendFactory? factory = oldNames.Contains(backend.Name)
                        ? e.Current.Backends.FirstOrDefault(f => string.Equals(f.Name, backend.Name, StringComparison.OrdinalIgnoreCase))
                        : null;
                    if (factory is null)
                    {
                        replacement.Add(backend);
                        continue;
                    }

                    IBackend fresh = factory.Create(BackendOptionsFor(_options, factory.Name));
                    created.Add(fresh);
                    replacement.Add(fresh);
                }
            }
#pragma warning disable CA1031 // a bad new build keeps the old backends serving
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogError(ex, "new build of {Plugin} could not create its backend; keeping the old one", e.Current.Manifest.Name);
                created.ForEach(b => b.Dispose());
                return;
            }

            Engine.SwapBackends(
                replacement,
                onSwapped: old =>
                {
                    BackendSwapCount++;
                    foreach (IBackend b in old.Where(b => !replacement.Contains(b)))
                    {
                        b.Dispose();
                    }
                },
                onFailed: ex =>
                {
                    _logger.LogError(ex, "engine refused the new build of {Plugin}; keeping the old backends", e.Current.Manifest.Name);
                    created.ForEach(b => b.Dispose());
                });
        }
    }

    /// <summary>Number of MoE scheduler switches caused by plugin reloads.</summary>
    public int SchedulerSwapCount { get; private set; }

    /// <summary>A reloaded scheduler plugin: the engine plans with the new build's scheduler from its next rebalance on.</summary>
    private void SwapScheduler(PluginReloadedEventArgs e)
    {
        string name = _options.Moe.Scheduler;
        if (Engine.Moe is not { } moe || string.IsNullOrWhiteSpace(name) || !e.Previous.MoeSchedulers.Any(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        IMoeSchedulerFactory? factory = e.Current.MoeSchedulers.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
        if (factory is null)
        {
            _logger.LogError("the reloaded plugin {Plugin} no longer provides the MoE scheduler {Scheduler}; keeping the old one", e.Current.Manifest.Name, name);
            return;
        }

        try
        {
            moe.ReplaceScheduler(factory.Create(_options.Moe.Settings));
            SchedulerSwapCount++;
        }
#pragma warning disable CA1031 // a bad new scheduler must leave the old one planning
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogError(ex, "the reloaded MoE scheduler {Scheduler} could not be created; keeping the old one", name);
        }
    }

    /// <summary>Saves the MoE statistics when LlmFramework:Moe:StatisticsFile is set (a warm start next time).</summary>
    private void SaveMoeStatistics()
    {
        if (Engine.Moe is { } moe && !string.IsNullOrWhiteSpace(_options.Moe.StatisticsFile))
        {
            try
            {
                ExpertLoadFile.Save(moe.Counter.Snapshot(), _options.Moe.StatisticsFile);
            }
            catch (IOException ex)
            {
                _logger.LogError(ex, "could not save the MoE statistics to {File}", _options.Moe.StatisticsFile);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _plugins.PluginReloaded -= OnPluginReloaded;
        SaveMoeStatistics();
        IReadOnlyList<IBackend> backends = Engine.Backends;
        Engine.Dispose();
        foreach (IBackend b in backends)
        {
            b.Dispose();
        }

        Model.Dispose();
    }
}
