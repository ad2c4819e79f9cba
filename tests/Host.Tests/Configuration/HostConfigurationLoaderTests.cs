using LlmFramework.Host.Configuration;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Configuration;

/// <summary>Layering, binding and path resolution of the host configuration (no environment variables set here).</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class HostConfigurationLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void No_file_and_no_overrides_gives_the_documented_defaults()
    {
        (HostOptions o, _) = HostConfigurationLoader.Load(null);
        Assert.Equal("", o.Model.Path);
        Assert.Equal(0, o.Backends.Threads);
        Assert.Equal(256, o.Engine.MaxBatchTokens);
        Assert.Equal(8, o.Engine.MaxSequences);
        Assert.Equal(16, o.Engine.KvBlockSize);
        Assert.Equal(128, o.Generation.MaxTokens);
        Assert.True(o.Plugins.HotReload);
    }

    [Fact]
    public void Values_in_the_file_are_bound_and_comments_and_trailing_commas_are_allowed()
    {
        string file = _dir.WriteText("host.json", """
            {
              // comment
              "LlmFramework": {
                "Backends": { "Threads": 3, "Devices": { "torch": "cuda:1" }, "Settings": { "torch": { "Graphs": "on" } } },
                "Engine": { "MaxBatchTokens": 64, "KvBlockSize": 32 },
                "Generation": { "Temperature": 0, "TopK": 5, "Seed": 42, "Stop": [ "\n\n", "###" ] },
                "Plugins": { "HotReload": false, "Disabled": [ "x" ] },
              },
              "Logging": { "LogLevel": { "Default": "Warning" } }
            }
            """);
        (HostOptions o, Microsoft.Extensions.Configuration.IConfigurationRoot config) = HostConfigurationLoader.Load(file);
        Assert.Equal(3, o.Backends.Threads);
        Assert.Equal("cuda:1", o.Backends.Devices["torch"]);
        Assert.Equal("on", o.Backends.Settings["torch"]["Graphs"]);
        Assert.Equal(64, o.Engine.MaxBatchTokens);
        Assert.Equal(32, o.Engine.KvBlockSize);
        Assert.Equal(0f, o.Generation.Temperature);
        Assert.Equal(5, o.Generation.TopK);
        Assert.Equal(42UL, o.Generation.Seed);
        Assert.Equal(["\n\n", "###"], o.Generation.Stop);
        Assert.False(o.Plugins.HotReload);
        Assert.Equal(["x"], o.Plugins.Disabled);
        Assert.Equal("Warning", config["Logging:LogLevel:Default"]);
    }

    [Fact]
    public void Set_overrides_beat_the_file()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Backends": { "Threads": 3 }, "Engine": { "MaxSequences": 4 } } }""");
        (HostOptions o, _) = HostConfigurationLoader.Load(file, ["LlmFramework:Backends:Threads=7", "llmframework:generation:maxtokens = 9"]);
        Assert.Equal(7, o.Backends.Threads);
        Assert.Equal(4, o.Engine.MaxSequences);
        Assert.Equal(9, o.Generation.MaxTokens);
    }

    [Fact]
    public void Later_set_override_of_the_same_key_wins()
    {
        (HostOptions o, _) = HostConfigurationLoader.Load(null, ["LlmFramework:Backends:Threads=2", "LlmFramework:Backends:Threads=6"]);
        Assert.Equal(6, o.Backends.Threads);
    }

    [Fact]
    public void Override_value_may_contain_equals_signs()
    {
        (HostOptions o, _) = HostConfigurationLoader.Load(null, ["LlmFramework:Backends:Settings:torch:Flags=a=b"]);
        Assert.Equal("a=b", o.Backends.Settings["torch"]["Flags"]);
    }

    [Fact]
    public void Preferred_backends_from_the_file_replace_the_default_list()
    {
        string file = _dir.WriteText("host.json", """{ "LlmFramework": { "Backends": { "Preferred": [ "torch" ] } } }""");
        (HostOptions o, _) = HostConfigurationLoader.Load(file);
        Assert.Equal(["torch"], o.Backends.Preferred);
    }

    [Fact]
    public void Relative_model_path_is_resolved_against_the_config_files_folder()
    {
        string model = _dir.WriteText(Path.Combine("models", "tiny.gguf"), "GGUF");
        string file = _dir.WriteText(Path.Combine("configs", "host.json"), """{ "LlmFramework": { "Model": { "Path": "../models/tiny.gguf" } } }""");
        (HostOptions o, _) = HostConfigurationLoader.Load(file);
        Assert.Equal(model, o.Model.Path);
    }

    [Fact]
    public void Relative_plugin_directories_are_resolved_against_the_config_files_folder()
    {
        string plugins = _dir.CreateFolder("extra-plugins");
        string file = _dir.WriteText(Path.Combine("configs", "host.json"), """{ "LlmFramework": { "Plugins": { "Directories": [ "../extra-plugins" ] } } }""");
        (HostOptions o, _) = HostConfigurationLoader.Load(file);
        Assert.Equal([plugins], o.Plugins.Directories);
    }

    [Fact]
    public void Absolute_model_path_is_kept()
    {
        string model = _dir.WriteText("tiny.gguf", "GGUF");
        string file = _dir.WriteText(Path.Combine("configs", "host.json"), "{}");
        (HostOptions o, _) = HostConfigurationLoader.Load(file, [$"LlmFramework:Model:Path={model}"]);
        Assert.Equal(model, o.Model.Path);
    }

    [Fact]
    public void The_sample_configs_use_only_known_keys()
    {
        string samples = Path.Combine(RepositoryPaths.Root, "samples", "configs");
        string[] files = Directory.GetFiles(samples, "*.json");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            try
            {
                HostConfigurationLoader.Load(file);
            }
            catch (HostConfigurationException ex)
            {
                // The samples point at models generated on demand; anything else is a mistake in the sample.
                Assert.Contains("LlmFramework:Model:Path", ex.Message, StringComparison.Ordinal);
                Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
            }
        }
    }
}
