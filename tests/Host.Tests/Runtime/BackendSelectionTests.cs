using LlmFramework.Abstractions.Backends;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Runtime;
using LlmFramework.Host.Tests.Support;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Tests.Runtime;

/// <summary>ModelRuntime.CreateBackends: preference order, the CPU fallback, unknown and unavailable backends, options.</summary>
public sealed class BackendSelectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CollectingLogger _log = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Preferred_backends_come_first_and_cpu_is_appended_as_the_fallback()
    {
        using PluginManager manager = Load(["fast", "cpu"]);
        IReadOnlyList<IBackend> backends = ModelRuntime.CreateBackends(manager, Options("fast"), _log);
        Assert.Equal(["fast", "cpu"], backends.Select(b => b.Name));
    }

    [Fact]
    public void Cpu_named_in_the_list_keeps_its_place_and_is_not_added_twice()
    {
        using PluginManager manager = Load(["fast", "cpu"]);
        IReadOnlyList<IBackend> backends = ModelRuntime.CreateBackends(manager, Options("cpu", "fast"), _log);
        Assert.Equal(["cpu", "fast"], backends.Select(b => b.Name));
    }

    [Fact]
    public void An_unknown_backend_is_skipped_with_a_warning_naming_it_and_the_loaded_ones()
    {
        using PluginManager manager = Load(["cpu"]);
        IReadOnlyList<IBackend> backends = ModelRuntime.CreateBackends(manager, Options("tpu"), _log);
        Assert.Equal(["cpu"], backends.Select(b => b.Name));
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Warning), m => m.Contains("backend 'tpu' (LlmFramework:Backends:Preferred) is not provided by any loaded plugin; loaded backends: cpu", StringComparison.Ordinal) && m.Contains("skipping it", StringComparison.Ordinal));
    }

    [Fact]
    public void A_backend_whose_device_is_absent_is_skipped_with_the_reason()
    {
        using PluginManager manager = Load(["gpu", "cpu"], unavailable: ["gpu"]);
        IReadOnlyList<IBackend> backends = ModelRuntime.CreateBackends(manager, Options("gpu"), _log);
        Assert.Equal(["cpu"], backends.Select(b => b.Name));
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Warning), m => m.Contains("backend gpu not used: gpu: no such device on this machine", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_cpu_backend_the_error_names_it_the_loaded_backends_and_the_failed_plugins()
    {
        using PluginManager manager = Load(["fast"]);
        _dir.CreateFolder("plugins", "Broken");
        manager.LoadFolder(_dir.Combine("plugins", "Broken"));
        var ex = Assert.Throws<InvalidOperationException>(() => ModelRuntime.CreateBackends(manager, Options("fast"), _log));
        Assert.Contains("backend 'cpu' (LlmFramework:Backends:Preferred) is not provided by any loaded plugin; loaded backends: fast", ex.Message, StringComparison.Ordinal);
        Assert.Contains("plugins that failed to load", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no plugin assembly", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unavailable_cpu_backend_is_an_error_not_a_skip()
    {
        using PluginManager manager = Load(["cpu"], unavailable: ["cpu"]);
        var ex = Assert.Throws<NotSupportedException>(() => ModelRuntime.CreateBackends(manager, Options(), _log));
        Assert.Contains("no such device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backends_get_the_configured_threads_device_and_settings()
    {
        using PluginManager manager = Load(["fast", "cpu"]);
        HostOptions options = Options("fast");
        options.Backends.Threads = 3;
        options.Backends.Devices["fast"] = "fast:1";
        options.Backends.Settings["fast"] = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };
        IReadOnlyList<IBackend> backends = ModelRuntime.CreateBackends(manager, options, _log);
        Assert.Equal("threads=3 device=fast:1 settings=a=1,b=2", backends[0].Device.Description);
        Assert.Equal("threads=3 device= settings=", backends[1].Device.Description);
    }

    [Fact]
    public void Start_without_a_model_family_names_the_plugin_directories()
    {
        using PluginManager manager = Load(["cpu"]);
        var ex = Assert.Throws<InvalidOperationException>(() => ModelRuntime.Start(manager, Options(), _log));
        Assert.Contains("no model-family plugin is loaded (searched ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_dir.Combine("plugins"), ex.Message, StringComparison.Ordinal);
    }

    private static HostOptions Options(params string[] preferred) => new() { Backends = { Preferred = [.. preferred] } };

    private PluginManager Load(string[] backendNames, string[]? unavailable = null)
    {
        string plugins = _dir.CreateFolder("plugins");
        byte[] image = PluginCompiler.Compile("Echo", TestPluginSources.OptionsEchoBackends("echo", backendNames, unavailable ?? []));
        PluginCompiler.WritePlugin(plugins, "Echo", "Echo", image);
        var manager = new PluginManager([plugins], hotReload: false, disabled: null, _log);
        manager.LoadAll();
        Assert.Empty(manager.Failures);
        return manager;
    }
}
