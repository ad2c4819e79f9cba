using System.Collections.Concurrent;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Plugins;

/// <summary>PluginManager's hot reload on its own (no engine): a new build replaces the old, a bad one is refused.</summary>
public sealed class PluginHotReloadTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();
    private readonly CollectingLogger _log = new();
    private readonly string _plugins;

    public PluginHotReloadTests()
    {
        _plugins = _dir.CreateFolder("plugins");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_new_build_replaces_the_plugin_and_is_announced()
    {
        Write(Backend("reload.a", "1.0.0", "first"));
        using PluginManager manager = new([_plugins], hotReload: true, disabled: null, _log);
        var reloaded = new ConcurrentQueue<PluginReloadedEventArgs>();
        manager.PluginReloaded += (_, e) => reloaded.Enqueue(e);
        manager.LoadAll();
        Assert.Equal(new Version(1, 0, 0), Assert.Single(manager.Plugins).Manifest.Version);

        Write(Backend("reload.a", "2.0.0", "second"));
        await Eventually.HoldsAsync(() => !reloaded.IsEmpty, Patience, "PluginReloaded");

        PluginReloadedEventArgs e = Assert.Single(reloaded);
        Assert.Equal(new Version(1, 0, 0), e.Previous.Manifest.Version);
        Assert.Equal(new Version(2, 0, 0), e.Current.Manifest.Version);
        LoadedPlugin current = Assert.Single(manager.Plugins);
        Assert.Same(e.Current, current);
        Assert.Equal(2, current.LoadCount);
        Assert.Equal("second", Assert.Single(manager.BackendFactories).EnumerateDevices()[0].Description);
        Assert.Empty(manager.Failures);
    }

    [Fact]
    public async Task A_new_build_with_another_plugin_name_is_refused_and_the_old_one_stays()
    {
        Write(Backend("reload.b", "1.0.0", "first"));
        using PluginManager manager = new([_plugins], hotReload: true, disabled: null, _log);
        var failures = new ConcurrentQueue<PluginLoadFailure>();
        manager.PluginReloadFailed += (_, f) => failures.Enqueue(f);
        manager.LoadAll();

        Write(Backend("reload.renamed", "2.0.0", "second"));
        await Eventually.HoldsAsync(() => !failures.IsEmpty, Patience, "PluginReloadFailed");

        PluginLoadFailure failure = Assert.Single(failures);
        Assert.Contains("new build of reload.b not loaded, keeping version 1.0.0 (load 1): the new build is named reload.renamed, not reload.b", failure.Reason, StringComparison.Ordinal);
        Assert.Contains(failure, manager.Failures);
        LoadedPlugin kept = Assert.Single(manager.Plugins);
        Assert.Equal("reload.b", kept.Manifest.Name);
        Assert.Equal("first", Assert.Single(manager.BackendFactories).EnumerateDevices()[0].Description);
    }

    [Fact]
    public async Task A_broken_build_then_a_good_one_loads_the_good_one()
    {
        Write(Backend("reload.c", "1.0.0", "first"));
        using PluginManager manager = new([_plugins], hotReload: true, disabled: null, _log);
        var reloaded = new ConcurrentQueue<PluginReloadedEventArgs>();
        var failures = new ConcurrentQueue<PluginLoadFailure>();
        manager.PluginReloaded += (_, e) => reloaded.Enqueue(e);
        manager.PluginReloadFailed += (_, f) => failures.Enqueue(f);
        manager.LoadAll();

        Write(PluginCompiler.Compile("Reload", TestPluginSources.TwoEntryPoints()));
        await Eventually.HoldsAsync(() => !failures.IsEmpty, Patience, "PluginReloadFailed");
        Assert.Contains("2 classes implementing ILlmPlugin", Assert.Single(failures).Reason, StringComparison.Ordinal);

        Write(Backend("reload.c", "3.0.0", "third"));
        await Eventually.HoldsAsync(() => !reloaded.IsEmpty, Patience, "PluginReloaded");
        LoadedPlugin current = Assert.Single(manager.Plugins);
        Assert.Equal(new Version(3, 0, 0), current.Manifest.Version);
        Assert.Equal("first", Assert.Single(reloaded).Previous.Backends[0].EnumerateDevices()[0].Description);
    }

    private static byte[] Backend(string pluginName, string version, string label) =>
        PluginCompiler.Compile("Reload", TestPluginSources.AddOnlyBackend(pluginName, pluginName + ".backend", label, "test." + pluginName + ".calls", version: version));

    private void Write(byte[] image) => PluginCompiler.WritePlugin(_plugins, "Reload", "Reload", image);
}
