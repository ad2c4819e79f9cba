using System.Collections.Concurrent;
using LlmFramework.Abstractions.Moe;
using LlmFramework.Abstractions.Plugins;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Tests.Support;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Tests.Plugins;

/// <summary>MoE scheduler plugins (contract 1.2) compiled in the test: registration, lookup by name, and hot reload.</summary>
public sealed class MoeSchedulerPluginTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();
    private readonly CollectingLogger _log = new();
    private readonly string _plugins;

    public MoeSchedulerPluginTests()
    {
        _plugins = _dir.CreateFolder("plugins");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_scheduler_plugin_loads_and_its_factories_are_found_by_name_in_any_case()
    {
        Write("Sched", TestPluginSources.Schedulers("Test.Sched", "v1", "1.0.0", "Alpha", "Beta"));
        using PluginManager manager = LoadAll(hotReload: false);

        Assert.Empty(manager.Failures);
        LoadedPlugin plugin = Assert.Single(manager.Plugins);
        Assert.Equal(PluginKind.MoeScheduler, plugin.Manifest.Kind);
        Assert.Empty(plugin.Backends);
        Assert.Empty(plugin.Families);
        Assert.Equal(["Alpha", "Beta"], manager.MoeSchedulerFactories.Select(f => f.Name));
        IMoeSchedulerFactory beta = manager.FindMoeScheduler("BETA")!;
        Assert.Equal("v1 Beta", beta.Description);
        Assert.Equal("Beta", beta.Create(new Dictionary<string, string>()).Name);
        Assert.Same(plugin, manager.FindMoeSchedulerPlugin("alpha"));
        Assert.Null(manager.FindMoeScheduler("Gamma"));
        Assert.Null(manager.FindMoeSchedulerPlugin("Gamma"));
    }

    [Fact]
    public void A_plugin_registering_one_scheduler_name_twice_is_a_failure_naming_it()
    {
        Write("Twice", TestPluginSources.Schedulers("Test.Twice", "v1", "1.0.0", "Same", "SAME"));
        using PluginManager manager = LoadAll(hotReload: false);

        Assert.Empty(manager.Plugins);
        Assert.Contains("the MoE scheduler 'SAME' is registered twice", Assert.Single(manager.Failures).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_plugins_with_one_scheduler_name_use_the_first_by_plugin_name_and_warn()
    {
        Write("B", TestPluginSources.Schedulers("Test.B", "from b", "1.0.0", "Shared"));
        Write("A", TestPluginSources.Schedulers("Test.A", "from a", "1.0.0", "shared"));
        using PluginManager manager = LoadAll(hotReload: false);

        Assert.Empty(manager.Failures);
        Assert.Equal("from a shared", manager.FindMoeScheduler("Shared")!.Description);
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Warning), m => m.Contains("both provide the MoE scheduler", StringComparison.Ordinal) && m.Contains("(Test.A) is used", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_new_build_of_a_scheduler_plugin_replaces_its_factories_and_is_announced()
    {
        Write("Sched", TestPluginSources.Schedulers("Test.Reload", "first", "1.0.0", "Hot"));
        using PluginManager manager = LoadAll(hotReload: true);
        var reloaded = new ConcurrentQueue<PluginReloadedEventArgs>();
        manager.PluginReloaded += (_, e) => reloaded.Enqueue(e);
        IMoeSchedulerFactory before = manager.FindMoeScheduler("Hot")!;

        Write("Sched", TestPluginSources.Schedulers("Test.Reload", "second", "2.0.0", "Hot"));
        await Eventually.HoldsAsync(() => !reloaded.IsEmpty, Patience, "PluginReloaded");

        PluginReloadedEventArgs e = Assert.Single(reloaded);
        Assert.Same(before, Assert.Single(e.Previous.MoeSchedulers));
        Assert.Equal("second Hot", Assert.Single(e.Current.MoeSchedulers).Description);
        Assert.Same(e.Current.MoeSchedulers[0], manager.FindMoeScheduler("hot"));
        Assert.Equal(2, manager.FindMoeSchedulerPlugin("Hot")!.LoadCount);
        Assert.Empty(manager.Failures);
    }

    private PluginManager LoadAll(bool hotReload)
    {
        var manager = new PluginManager([_plugins], hotReload, disabled: null, _log);
        manager.LoadAll();
        return manager;
    }

    private void Write(string folder, string source) =>
        PluginCompiler.WritePlugin(_plugins, folder, "Sched" + folder, PluginCompiler.Compile("Sched" + folder, source));
}
