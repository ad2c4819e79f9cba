using LlmFramework.Abstractions;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Plugins;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Tests.Support;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Tests.Plugins;

/// <summary>Discovery and loading of plugins compiled in the test, and every way a plugin folder can fail to load.</summary>
public sealed class PluginManagerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CollectingLogger _log = new();
    private readonly string _plugins;

    public PluginManagerTests()
    {
        _plugins = _dir.CreateFolder("plugins");
    }

    public void Dispose() => _dir.Dispose();

    private static string HostContract => $"contract {ContractVersion.Major}.{ContractVersion.Minor}";

    [Fact]
    public void A_valid_backend_plugin_loads_and_lists_name_kind_version_and_contract()
    {
        string dll = Write("AddOnly", "Test.AddOnly", TestPluginSources.AddOnlyBackend("Test.AddOnly", "addonly", "v1", "test.addonly.calls", version: "1.2.3"));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Failures);
        LoadedPlugin plugin = Assert.Single(manager.Plugins);
        Assert.Equal("Test.AddOnly", plugin.Manifest.Name);
        Assert.Equal(PluginKind.Backend, plugin.Manifest.Kind);
        Assert.Equal(new Version(1, 2, 3), plugin.Manifest.Version);
        Assert.Equal(ContractVersion.Current, plugin.Manifest.ContractVersion);
        Assert.Equal("v1 test backend: Add only", plugin.Manifest.Description);
        Assert.Equal(dll, plugin.AssemblyPath);
        Assert.Equal(1, plugin.LoadCount);
        Assert.Empty(plugin.Families);
        IBackendFactory factory = Assert.Single(manager.BackendFactories);
        Assert.Equal("addonly", factory.Name);
        Assert.Same(plugin, manager.FindBackendPlugin("ADDONLY"));
        Assert.Null(manager.FindBackendPlugin("cpu"));
        using IBackend backend = factory.Create(new BackendOptions());
        Assert.Equal("v1", backend.Device.Description);
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Information), m => m.Contains("loaded plugin Test.AddOnly 1.2.3", StringComparison.Ordinal));
    }

    [Fact]
    public void A_plugin_built_against_contract_2_is_refused_naming_the_plugin_and_both_versions()
    {
        string source = TestPluginSources.AgainstFakeContracts("future");
        string dll = Write("Future", "Future.Plugin", source, PluginCompiler.CompileFakeContracts(2));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(dll, failure.Path);
        AssertContainsAll(failure.Reason, "refused", "Future.Plugin.dll", "contract 2.0", HostContract, "rebuild the plugin");
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Warning), m => m.Contains("contract 2.0", StringComparison.Ordinal));
    }

    [Fact]
    public void A_plugin_built_against_a_newer_contract_minor_is_refused()
    {
        string dll = Write("Newer", "Newer.Plugin", TestPluginSources.AgainstFakeContracts("newer"), PluginCompiler.CompileFakeContracts(ContractVersion.Major, ContractVersion.Minor + 1));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(dll, failure.Path);
        AssertContainsAll(failure.Reason, "refused", "Newer.Plugin.dll", $"contract {ContractVersion.Major}.{ContractVersion.Minor + 1}", HostContract);
    }

    [Theory]
    [InlineData("new Version(1, 9)", "1.9")]
    [InlineData("new Version(2, 0)", "2.0")]
    [InlineData("new Version(0, 9)", "0.9")]
    public void A_manifest_declaring_an_incompatible_contract_is_refused(string contract, string shown)
    {
        string dll = Write("Declares", "Declares", TestPluginSources.AddOnlyBackend("declares", "declares", "v1", "test.declares.calls", contractExpression: contract));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(dll, failure.Path);
        AssertContainsAll(failure.Reason, "plugin declares", $"declares contract {shown}", "this host implements " + HostContract);
    }

    [Fact]
    public void A_folder_with_no_dll_is_a_failure_naming_the_folder()
    {
        string folder = _dir.CreateFolder("plugins", "Empty");
        File.WriteAllText(Path.Combine(folder, "README.txt"), "nothing here");
        using PluginManager manager = LoadAll();

        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(folder, failure.Path);
        Assert.Equal("no plugin assembly (*.dll) in the folder", failure.Reason);
    }

    [Fact]
    public void A_dll_that_is_not_dotnet_is_a_failure()
    {
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        string dll = PluginCompiler.WritePlugin(_plugins, "Garbage", "garbage", garbage);
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(dll, failure.Path);
        AssertContainsAll(failure.Reason, "refused", "cannot read", dll);
    }

    [Fact]
    public void A_native_library_named_dll_is_a_failure()
    {
        string native = Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, OperatingSystem.IsWindows() ? "coreclr.dll" : OperatingSystem.IsMacOS() ? "libcoreclr.dylib" : "libcoreclr.so");
        string dll = PluginCompiler.WritePlugin(_plugins, "Native", "native", File.ReadAllBytes(native));
        using PluginManager manager = LoadAll();

        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(dll, failure.Path);
        AssertContainsAll(failure.Reason, "cannot read", dll);
    }

    [Fact]
    public void An_empty_dll_is_a_failure()
    {
        string dll = PluginCompiler.WritePlugin(_plugins, "Empty", "empty", []);
        using PluginManager manager = LoadAll();

        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(dll, failure.Path);
        AssertContainsAll(failure.Reason, "cannot read", dll);
    }

    [Fact]
    public void A_dotnet_library_that_does_not_reference_the_contracts_is_not_a_plugin()
    {
        Write("Plain", "Plain", TestPluginSources.PlainLibrary());
        using PluginManager manager = LoadAll();

        PluginLoadFailure failure = Assert.Single(manager.Failures);
        AssertContainsAll(failure.Reason, "Plain.dll does not reference LlmFramework.Abstractions, so it is not an LlmFramework plugin");
    }

    [Fact]
    public void A_plugin_whose_constructor_throws_is_a_failure()
    {
        string dll = Write("Throws", "Throws", TestPluginSources.AddOnlyBackend("throws", "throws", "v1", "test.throws.calls", constructorBody: "throw new InvalidOperationException(\"the constructor failed on purpose\");"));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        Assert.Equal(dll, Assert.Single(manager.Failures).Path);
    }

    [Fact]
    public void A_plugin_whose_constructor_throws_is_a_failure_that_gives_the_constructors_message()
    {
        string dll = Write("Throws", "Throws", TestPluginSources.AddOnlyBackend("throws", "throws", "v1", "test.throws.calls", constructorBody: "throw new InvalidOperationException(\"the constructor failed on purpose\");"));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(dll, failure.Path);
        AssertContainsAll(failure.Reason, "the constructor failed on purpose");
    }

    [Fact]
    public void A_plugin_whose_register_throws_is_a_failure()
    {
        Write("RegisterThrows", "RegisterThrows", TestPluginSources.Minimal("register-throws", registerBody: "throw new InvalidOperationException(\"no providers today\");"));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        AssertContainsAll(Assert.Single(manager.Failures).Reason, "InvalidOperationException", "no providers today");
    }

    [Fact]
    public void A_plugin_with_a_null_manifest_is_a_failure()
    {
        Write("NullManifest", "NullManifest", TestPluginSources.Minimal("null-manifest", manifestExpression: "null"));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        AssertContainsAll(Assert.Single(manager.Failures).Reason, "Manifest is null");
    }

    [Fact]
    public void Two_classes_implementing_ILlmPlugin_is_a_failure_naming_both()
    {
        Write("TwoEntries", "TwoEntries", TestPluginSources.TwoEntryPoints());
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        AssertContainsAll(Assert.Single(manager.Failures).Reason, "TwoEntries.dll has 2 classes implementing ILlmPlugin", "TwoEntries.FirstPlugin", "TwoEntries.SecondPlugin", "exactly one");
    }

    [Fact]
    public void An_assembly_without_an_ILlmPlugin_class_is_a_failure()
    {
        Write("NoEntry", "NoEntry", TestPluginSources.NoEntryPoint());
        using PluginManager manager = LoadAll();

        AssertContainsAll(Assert.Single(manager.Failures).Reason, "NoEntry.dll has no public class implementing ILlmPlugin");
    }

    [Fact]
    public void Duplicate_plugin_names_keep_the_first_and_name_where_it_came_from()
    {
        string first = Write("A", "DupA", TestPluginSources.AddOnlyBackend("dup", "dup-a", "a", "test.dupa.calls"));
        string second = Write("B", "DupB", TestPluginSources.AddOnlyBackend("DUP", "dup-b", "b", "test.dupb.calls"));
        using PluginManager manager = LoadAll();

        LoadedPlugin plugin = Assert.Single(manager.Plugins);
        Assert.Equal(first, plugin.AssemblyPath);
        PluginLoadFailure failure = Assert.Single(manager.Failures);
        Assert.Equal(second, failure.Path);
        AssertContainsAll(failure.Reason, "a plugin named DUP is already loaded from", first);
    }

    [Fact]
    public void Two_dlls_without_a_deps_file_are_ambiguous()
    {
        byte[] image = PluginCompiler.Compile("One", TestPluginSources.Minimal("one"));
        PluginCompiler.WritePlugin(_plugins, "Two", "One", image);
        PluginCompiler.WritePlugin(_plugins, "Two", "Helper", PluginCompiler.Compile("Helper", TestPluginSources.PlainLibrary()));
        using PluginManager manager = LoadAll();

        AssertContainsAll(Assert.Single(manager.Failures).Reason, "cannot tell the plugin's main assembly among 2 dlls", ".deps.json");
    }

    [Fact]
    public void A_deps_file_picks_the_main_assembly_among_several_dlls()
    {
        string main = PluginCompiler.WritePlugin(_plugins, "WithDeps", "Main", PluginCompiler.Compile("Main", TestPluginSources.Minimal("with-deps")));
        PluginCompiler.WritePlugin(_plugins, "WithDeps", "Helper", PluginCompiler.Compile("Helper", TestPluginSources.PlainLibrary()));
        File.WriteAllText(Path.Combine(_plugins, "WithDeps", "Main.deps.json"), MinimalDepsJson("Main"));
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Failures);
        Assert.Equal(main, Assert.Single(manager.Plugins).AssemblyPath);
    }

    [Fact]
    public void A_malformed_deps_file_is_a_failure_not_a_crash()
    {
        PluginCompiler.WritePlugin(_plugins, "BadDeps", "Main", PluginCompiler.Compile("Main", TestPluginSources.Minimal("bad-deps")));
        File.WriteAllText(Path.Combine(_plugins, "BadDeps", "Main.deps.json"), "{}");
        using PluginManager manager = LoadAll();

        Assert.Empty(manager.Plugins);
        AssertContainsAll(Assert.Single(manager.Failures).Reason, "Main.deps.json");
    }

    [Fact]
    public void A_disabled_plugin_is_skipped_without_a_failure()
    {
        Write("AddOnly", "Disabled.AddOnly", TestPluginSources.AddOnlyBackend("Disabled.AddOnly", "disabled", "v1", "test.disabled.calls"));
        using var manager = new PluginManager([_plugins], hotReload: false, disabled: ["disabled.addonly"], _log);
        manager.LoadAll();

        Assert.Empty(manager.Plugins);
        Assert.Empty(manager.Failures);
        Assert.Contains(_log.MessagesAtOrAbove(LogLevel.Information), m => m.Contains("Disabled.AddOnly is disabled", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_kind_of_broken_folder_is_recorded_and_the_good_plugin_still_loads()
    {
        Write("Good", "Good", TestPluginSources.AddOnlyBackend("good", "good", "v1", "test.good.calls"));
        Write("Future", "Future", TestPluginSources.AgainstFakeContracts("future"), PluginCompiler.CompileFakeContracts(2));
        Write("Throws", "Throws", TestPluginSources.AddOnlyBackend("throws", "throws", "v1", "test.throws2.calls", constructorBody: "throw new InvalidOperationException(\"boom\");"));
        Write("TwoEntries", "TwoEntries", TestPluginSources.TwoEntryPoints());
        Write("Plain", "Plain", TestPluginSources.PlainLibrary());
        PluginCompiler.WritePlugin(_plugins, "Garbage", "garbage", [1, 2, 3, 4, 5]);
        _dir.CreateFolder("plugins", "Nothing");
        File.WriteAllText(Path.Combine(_plugins, "not-a-folder.dll"), "loose files beside the plugin folders are ignored");
        string missing = _dir.Combine("missing-directory");

        using var manager = new PluginManager([missing, _plugins, _plugins], hotReload: false, disabled: null, _log);
        manager.LoadAll();

        Assert.Equal("good", Assert.Single(manager.Plugins).Manifest.Name);
        Assert.Equal(6, manager.Failures.Count);
        Assert.All(manager.Failures, f => Assert.False(string.IsNullOrWhiteSpace(f.Reason)));
        Assert.Equal([missing, _plugins], manager.Directories);
    }

    [Fact]
    public void LoadFolder_returns_the_plugin_or_null()
    {
        Write("Good", "Good", TestPluginSources.AddOnlyBackend("good", "good", "v1", "test.good2.calls"));
        _dir.CreateFolder("plugins", "Nothing");
        using var manager = new PluginManager([_plugins], hotReload: false, disabled: null, _log);

        Assert.Equal("good", manager.LoadFolder(Path.Combine(_plugins, "Good"))?.Manifest.Name);
        Assert.Null(manager.LoadFolder(Path.Combine(_plugins, "Nothing")));
        Assert.Single(manager.Failures);
    }

    private PluginManager LoadAll()
    {
        var manager = new PluginManager([_plugins], hotReload: false, disabled: null, _log);
        manager.LoadAll();
        return manager;
    }

    private string Write(string folder, string assemblyName, string source, params Microsoft.CodeAnalysis.MetadataReference[] contracts) =>
        PluginCompiler.WritePlugin(_plugins, folder, assemblyName, PluginCompiler.Compile(assemblyName, source, contracts));

    /// <summary>The deps file the SDK writes for a plugin with no dependencies.</summary>
    private static string MinimalDepsJson(string assemblyName) => $$"""
        {
          "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0", "signature": "" },
          "compilationOptions": {},
          "targets": { ".NETCoreApp,Version=v10.0": { "{{assemblyName}}/1.0.0": { "runtime": { "{{assemblyName}}.dll": {} } } } },
          "libraries": { "{{assemblyName}}/1.0.0": { "type": "project", "serviceable": false, "sha512": "" } }
        }
        """;

    private static void AssertContainsAll(string text, params string[] fragments)
    {
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, text, StringComparison.Ordinal);
        }
    }
}
