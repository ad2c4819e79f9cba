using LlmFramework.Host.Configuration;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Configuration;

/// <summary>LlmFramework:Model:Adapters: bound in order, paths relative to the config file, every entry and key checked.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class AdapterConfigurationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Config(string adapters) => _dir.WriteText(Path.Combine("conf", "host.json"), $$"""{ "LlmFramework": { "Model": { "Adapters": {{adapters}} } } }""");

    [Fact]
    public void Adapters_are_bound_in_order_with_paths_relative_to_the_config_file_and_defaults_for_mode_and_scale()
    {
        string style = _dir.CreateFolder("conf", "adapters", "style");
        string absolute = _dir.CreateFolder("elsewhere", "topic");
        string file = Config($$"""[ { "Path": "adapters/style" }, { "Path": "{{absolute.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "Mode": "unmerged", "Scale": 0.5 } ]""");

        (HostOptions o, _) = HostConfigurationLoader.Load(file);

        Assert.Equal(2, o.Model.Adapters.Count);
        Assert.Equal((style, "merged", 1f), (o.Model.Adapters[0].Path, o.Model.Adapters[0].Mode, o.Model.Adapters[0].Scale));
        Assert.Equal((absolute, "unmerged", 0.5f), (o.Model.Adapters[1].Path, o.Model.Adapters[1].Mode, o.Model.Adapters[1].Scale));
    }

    [Fact]
    public void No_adapters_is_the_default()
    {
        (HostOptions o, _) = HostConfigurationLoader.Load(null);
        Assert.Empty(o.Model.Adapters);
    }

    [Fact]
    public void An_unknown_key_inside_an_adapter_entry_is_named_with_a_suggestion()
    {
        _dir.CreateFolder("conf", "a");
        string file = Config("""[ { "Path": "a" }, { "Path": "a", "Scal": 2 } ]""");
        ConfigAssert.Fails(file, null, file, "unknown key 'LlmFramework:Model:Adapters:1:Scal'", "(did you mean 'Scale'?)", "known keys under 'LlmFramework:Model:Adapters:1': Path, Mode, Scale");
    }

    [Fact]
    public void An_unknown_key_in_an_adapter_set_override_is_named()
    {
        ConfigAssert.Fails(null, ["LlmFramework:Model:Adapters:0:Pth=x"], "unknown key 'LlmFramework:Model:Adapters:0:Pth'", "(did you mean 'Path'?)");
    }

    [Fact]
    public void A_bad_mode_is_named_with_the_allowed_values()
    {
        _dir.CreateFolder("conf", "a");
        string file = Config("""[ { "Path": "a", "Mode": "fused" } ]""");
        ConfigAssert.Fails(file, null, file, "LlmFramework:Model:Adapters:0:Mode must be \"merged\" or \"unmerged\", got \"fused\"");
    }

    [Theory]
    [InlineData("Unmerged", "unmerged")]
    [InlineData("MERGED", "merged")]
    public void The_mode_is_read_without_regard_to_case(string written, string bound)
    {
        _dir.CreateFolder("conf", "a");
        (HostOptions o, _) = HostConfigurationLoader.Load(Config($$"""[ { "Path": "a", "Mode": "{{written}}" } ]"""));
        Assert.Equal(bound, o.Model.Adapters[0].Mode);
    }

    [Fact]
    public void A_path_that_is_not_a_folder_is_named_resolved()
    {
        _dir.CreateFolder("conf", "a");
        string file = Config("""[ { "Path": "a" }, { "Path": "missing" } ]""");
        ConfigAssert.Fails(file, null, file, $"LlmFramework:Model:Adapters:1:Path '{_dir.Combine("conf", "missing")}' is not a folder");
    }

    [Fact]
    public void An_adapter_file_instead_of_its_folder_is_named()
    {
        string weights = _dir.WriteText(Path.Combine("conf", "a", "adapter_model.safetensors"), "x");
        string file = Config("""[ { "Path": "a/adapter_model.safetensors" } ]""");
        ConfigAssert.Fails(file, null, $"LlmFramework:Model:Adapters:0:Path '{weights}' is not a folder");
    }

    [Theory]
    [InlineData("""[ { "Mode": "merged" } ]""")]
    [InlineData("""[ {} ]""")]
    [InlineData("""[ { "Path": "" } ]""")]
    public void An_empty_path_is_named(string adapters)
    {
        string file = Config(adapters);
        ConfigAssert.Fails(file, null, file, "LlmFramework:Model:Adapters:0:Path is empty; name a PEFT adapter folder");
    }

    [Fact]
    public void A_scale_that_is_not_finite_is_named()
    {
        string folder = _dir.CreateFolder("a");
        ConfigAssert.Fails(null, [$"LlmFramework:Model:Adapters:0:Path={folder}", "LlmFramework:Model:Adapters:0:Scale=NaN"], "LlmFramework:Model:Adapters:0:Scale must be a finite number, got NaN");
    }

    [Fact]
    public void An_entry_that_is_only_a_path_string_asks_for_an_object()
    {
        _dir.CreateFolder("conf", "a");
        string file = Config("""[ "a" ]""");
        ConfigAssert.Fails(file, null, file, "'LlmFramework:Model:Adapters:0' must be an object such as { \"Path\": \"a\" }, not the single value 'a'");
    }

    [Fact]
    public void Adapters_written_as_one_object_instead_of_a_list_are_refused()
    {
        _dir.CreateFolder("conf", "a");
        string file = Config("""{ "Path": "a" }""");
        ConfigAssert.Fails(file, null, file, "'LlmFramework:Model:Adapters' must be a list ([ ... ]), not an object with the key 'Path'");
    }
}
