using System.Globalization;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Cli;

/// <summary>
/// `--adapter DIR[:unmerged]` and LlmFramework:Model:Adapters apply a LoRA adapter at load: eval-ppl and generate
/// change the same way with either, merged or not; bad adapters are named.
/// </summary>
[Collection(ProcessStateCollection.Name)]
public sealed class AdapterCliTests : IDisposable
{
    private const int Dim = 32;
    private readonly TempDirectory _dir = new();
    private readonly string _model;
    private readonly string _text;

    public AdapterCliTests()
    {
        _model = _dir.Combine("m.gguf");
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", _model, "--dim", $"{Dim}", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "300", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(exit == 0, error);
        _text = _dir.WriteText("t.txt", string.Concat(Enumerable.Repeat("It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n", 4)));
        TestLoraAdapter.Write(_dir.Combine("conf", "adapters", "style"), Dim);
    }

    public void Dispose() => _dir.Dispose();

    private string Adapter => _dir.Combine("conf", "adapters", "style");

    private string Config(string adapters) => _dir.WriteText(Path.Combine("conf", "host.json"), $$"""{ "LlmFramework": { "Model": { "Adapters": {{adapters}} } } }""");

    private static string Run(params string[] args)
    {
        (int exit, string output, string error) = CliHarness.Run([.. args, "--plugins-dir", RepositoryPaths.HostPluginDirectory]);
        Assert.True(exit == 0, $"exit {exit}: {error}");
        return output.Trim();
    }

    private double Perplexity(params string[] args)
    {
        string line = Run(["eval-ppl", "--model", _model, "--file", _text, "--window", "64", .. args]);
        Assert.StartsWith("perplexity: ", line, StringComparison.Ordinal);
        return double.Parse(line["perplexity: ".Length..], CultureInfo.InvariantCulture);
    }

    private string Generate(params string[] args) =>
        Run(["generate", "--model", _model, "--prompt", "It is a truth", "--max-tokens", "16", "--temperature", "0", .. args]);

    [Fact]
    public void The_adapter_flag_and_the_config_entry_change_the_perplexity_the_same_way_merged_or_not()
    {
        double plain = Perplexity();
        double flag = Perplexity("--adapter", Adapter);
        double config = Perplexity("--config", Config("""[ { "Path": "adapters/style" } ]"""));
        double flagUnmerged = Perplexity("--adapter", Adapter + ":unmerged");
        double configUnmerged = Perplexity("--config", Config("""[ { "Path": "adapters/style", "Mode": "unmerged" } ]"""));

        Assert.True(Math.Abs(flag - plain) > 0.5, $"the adapter should change the perplexity: {plain} -> {flag}");
        Assert.Equal(flag, config);
        Assert.Equal(flagUnmerged, configUnmerged);
        Assert.Equal(flag, flagUnmerged, 3);
    }

    [Fact]
    public void The_adapter_flag_and_the_config_entry_change_the_generated_text_the_same_way_merged_or_not()
    {
        string plain = Generate();
        string flag = Generate("--adapter", Adapter);
        Assert.NotEqual(plain, flag);
        Assert.StartsWith("It is a truth", flag, StringComparison.Ordinal);
        Assert.Equal(flag, Generate("--config", Config("""[ { "Path": "adapters/style" } ]""")));
        Assert.Equal(flag, Generate("--adapter", Adapter + ":unmerged"));
        Assert.Equal(flag, Generate("--adapter", Adapter + ":merged"));
    }

    [Fact]
    public void An_adapter_flag_replaces_the_config_entry_of_its_index_scale_included_and_set_still_overrides_it()
    {
        // Entry 0 of the config scales its adapter to nothing; --adapter DIR replaces that entry, so it applies at scale 1.
        string config = Config("""[ { "Path": "adapters/style", "Scale": 0 } ]""");
        double plain = Perplexity();
        Assert.Equal(plain, Perplexity("--config", config));
        double flag = Perplexity("--adapter", Adapter);
        Assert.Equal(flag, Perplexity("--config", config, "--adapter", Adapter));
        Assert.Equal(plain, Perplexity("--adapter", Adapter, "--set", "LlmFramework:Model:Adapters:0:Scale=0"));
    }

    [Fact]
    public void Two_adapter_flags_apply_both_in_order()
    {
        string second = TestLoraAdapter.Write(_dir.Combine("second"), Dim, seed: 2);
        double one = Perplexity("--adapter", Adapter);
        double both = Perplexity("--adapter", Adapter, "--adapter", second + ":unmerged");
        Assert.NotEqual(one, both);
        Assert.Equal(both, Perplexity("--config", Config($$"""[ { "Path": "adapters/style" }, { "Path": "{{second}}", "Mode": "unmerged" } ]""")), 3);
    }

    [Fact]
    public void A_missing_adapter_folder_is_named_with_the_config_key()
    {
        string missing = _dir.Combine("nope");
        (int exit, _, string error) = CliHarness.Run("eval-ppl", "--model", _model, "--file", _text, "--adapter", missing + ":unmerged", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains($"LlmFramework:Model:Adapters:0:Path '{missing}' is not a folder", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_adapter_flag_without_a_folder_is_named()
    {
        (int exit, _, string error) = CliHarness.Run("eval-ppl", "--model", _model, "--file", _text, "--adapter", ":unmerged", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains("--adapter ':unmerged' names no folder (expected DIR or DIR:unmerged)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_adapter_is_named_with_its_file()
    {
        File.WriteAllText(Path.Combine(Adapter, "adapter_config.json"), """{ "peft_type": "LORA", "r": 2, "use_dora": true }""");
        (int exit, _, string error) = CliHarness.Run("generate", "--model", _model, "--prompt", "hi", "--max-tokens", "2", "--adapter", Adapter, "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains($"{Path.Combine(Adapter, "adapter_config.json")}: use_dora is true; not supported", error, StringComparison.Ordinal);
    }
}
