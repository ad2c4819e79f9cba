using System.Text.Json;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Cli;

/// <summary>The CLI verbs run in-process: exit codes, JSON output, and one-line errors that name the bad input.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Contract => $"{LlmFramework.Abstractions.ContractVersion.Major}.{LlmFramework.Abstractions.ContractVersion.Minor}";

    [Fact]
    public void Plugins_as_json_lists_name_kind_version_contract_and_failures()
    {
        string plugins = _dir.CreateFolder("plugins");
        string dll = PluginCompiler.WritePlugin(plugins, "AddOnly", "Cli.AddOnly", PluginCompiler.Compile("Cli.AddOnly", TestPluginSources.AddOnlyBackend("Cli.AddOnly", "cli-addonly", "v1", "test.cli.calls", version: "3.1.4")));
        string empty = _dir.CreateFolder("plugins", "Empty");

        (int exit, string output, string error) = CliHarness.Run("plugins", "--format", "json", "--plugins-dir", plugins);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.Equal(Contract, root.GetProperty("host_contract").GetString());
        JsonElement plugin = root.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Cli.AddOnly");
        Assert.Equal("Backend", plugin.GetProperty("kind").GetString());
        Assert.Equal("3.1.4", plugin.GetProperty("version").GetString());
        Assert.Equal(Contract, plugin.GetProperty("contract").GetString());
        Assert.Equal(["backend:cli-addonly"], plugin.GetProperty("provides").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(dll, plugin.GetProperty("path").GetString());
        JsonElement failure = root.GetProperty("failures").EnumerateArray().Single(f => f.GetProperty("path").GetString() == empty);
        Assert.Contains("no plugin assembly", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Plugins_as_a_table_shows_the_host_contract_and_the_refused_plugin()
    {
        string plugins = _dir.CreateFolder("plugins");
        PluginCompiler.WritePlugin(plugins, "Future", "Future", PluginCompiler.Compile("Future", TestPluginSources.AgainstFakeContracts("future"), PluginCompiler.CompileFakeContracts(2)));

        (int exit, string output, string error) = CliHarness.Run("plugins", "--plugins-dir", plugins);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Contains($"host contract {LlmFramework.Abstractions.ContractVersion.Major}.{LlmFramework.Abstractions.ContractVersion.Minor}", output, StringComparison.Ordinal);
        Assert.Contains("not loaded: ", output, StringComparison.Ordinal);
        Assert.Contains("contract 2.0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Logits_with_a_missing_model_fails_naming_the_path()
    {
        string missing = _dir.Combine("nonexistent.gguf");

        (int exit, string output, string error) = CliHarness.Run("logits", "--model", missing, "--ids", "1");

        Assert.NotEqual(0, exit);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public void Logits_needs_exactly_one_of_prompt_and_ids()
    {
        (int exit, _, string error) = CliHarness.Run("logits", "--ids", "1", "--prompt", "hi");
        Assert.Equal(1, exit);
        Assert.Contains("give exactly one of --prompt and --ids", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Logits_rejects_a_top_below_one()
    {
        (int exit, _, string error) = CliHarness.Run("logits", "--ids", "1", "--top", "0");
        Assert.Equal(1, exit);
        Assert.Contains("--top must be at least 1, got 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_config_typo_given_with_set_is_named()
    {
        (int exit, _, string error) = CliHarness.Run("plugins", "--set", "LlmFramework:Modle:Path=x");
        Assert.Equal(1, exit);
        Assert.Contains("unknown key 'LlmFramework:Modle'", error, StringComparison.Ordinal);
        Assert.Contains("did you mean 'Model'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        string missing = _dir.Combine("absent.json");
        (int exit, _, string error) = CliHarness.Run("plugins", "--config", missing);
        Assert.Equal(1, exit);
        Assert.Contains($"config file '{missing}' does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_format_is_a_usage_error()
    {
        (int exit, _, string error) = CliHarness.Run("plugins", "--format", "xml");
        Assert.NotEqual(0, exit);
        Assert.Contains("xml", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Make_test_model_rejects_an_unknown_dtype()
    {
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", _dir.Combine("m.gguf"), "--dtype", "q3_x");
        Assert.Equal(1, exit);
        Assert.Contains("--dtype 'q3_x' is not one of", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Make_test_model_without_a_family_plugin_names_the_architecture()
    {
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", _dir.Combine("m.gguf"), "--plugins-dir", _dir.CreateFolder("no-plugins"));
        Assert.Equal(1, exit);
        Assert.Contains("--arch 'llama': no loaded model family writes it", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Make_test_model_writes_a_gguf_file_with_the_llama_plugin()
    {
        string output = _dir.Combine("tiny.gguf");
        (int exit, string stdout, string error) = CliHarness.Run("make-test-model", "--out", output, "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "300", "--plugins-dir", RepositoryPaths.HostPluginDirectory);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Equal(output, stdout.Trim());
        using FileStream file = File.OpenRead(output);
        var magic = new byte[4];
        file.ReadExactly(magic);
        Assert.Equal("GGUF"u8.ToArray(), magic);
    }

    [Fact]
    public void Make_test_model_writes_a_hugging_face_folder_with_the_llama_plugin()
    {
        string output = _dir.Combine("tiny-hf");
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--format", "hf", "--out", output, "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "300", "--plugins-dir", RepositoryPaths.HostPluginDirectory);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.True(File.Exists(Path.Combine(output, "config.json")));
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
    }

    [Fact]
    public void Make_test_model_rejects_a_non_positive_size()
    {
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", _dir.Combine("m.gguf"), "--layers", "0");
        Assert.Equal(1, exit);
        Assert.Contains("--layers must be positive, got 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plugins_lists_the_host_plugins_the_cpu_backend_and_the_llama_family()
    {
        (int exit, string output, string error) = CliHarness.Run("plugins", "--format", "json", "--plugins-dir", RepositoryPaths.HostPluginDirectory);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement[] plugins = [.. doc.RootElement.GetProperty("plugins").EnumerateArray()];
        string[] provides = [.. plugins.SelectMany(p => p.GetProperty("provides").EnumerateArray().Select(e => e.GetString()!))];
        Assert.Contains("backend:cpu", provides);
        Assert.Contains("family:llama", provides);
        Assert.All(plugins, p => Assert.Equal(Contract, p.GetProperty("contract").GetString()));
        Assert.Empty(doc.RootElement.GetProperty("failures").EnumerateArray());
    }

    [Fact]
    public void Plugins_lists_the_scheduler_plugin_built_beside_the_host_with_its_three_schedulers()
    {
        string folder = Path.Combine(RepositoryPaths.HostPluginDirectory, "Schedulers");
        Assert.True(File.Exists(Path.Combine(folder, "LlmFramework.Schedulers.dll")), $"no scheduler plugin in {folder}");
        Assert.True(File.Exists(Path.Combine(folder, "LlmFramework.Schedulers.deps.json")), $"no deps file in {folder}");
        Assert.False(File.Exists(Path.Combine(folder, "LlmFramework.Abstractions.dll")), "the contracts are the host's and must not be copied beside the plugin");

        (int exit, string output, string error) = CliHarness.Run("plugins", "--format", "json", "--plugins-dir", RepositoryPaths.HostPluginDirectory);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement plugin = doc.RootElement.GetProperty("plugins").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "LlmFramework.Schedulers");
        Assert.Equal("MoeScheduler", plugin.GetProperty("kind").GetString());
        Assert.Equal(Contract, plugin.GetProperty("contract").GetString());
        Assert.Equal(["scheduler:Static", "scheduler:LoadAware", "scheduler:Balanced"], plugin.GetProperty("provides").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["Static", "LoadAware", "Balanced"], plugin.GetProperty("schedulers").EnumerateArray().Select(e => e.GetProperty("name").GetString()));

        (exit, output, error) = CliHarness.Run("plugins", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.Contains("scheduler:Static, scheduler:LoadAware, scheduler:Balanced", output, StringComparison.Ordinal);
        Assert.Contains("  scheduler LoadAware: the hottest experts", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Logits_on_a_test_model_prints_the_top_logits_and_greedy_continues_from_the_best()
    {
        string model = MakeTinyLlama();
        (int exit, string output, string error) = CliHarness.Run("logits", "--model", model, "--ids", "1,5,9", "--top", "4", "--greedy", "6", "--plugins-dir", RepositoryPaths.HostPluginDirectory);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement[] top = [.. doc.RootElement.GetProperty("top").EnumerateArray()];
        Assert.Equal(4, top.Length);
        float[] logits = [.. top.Select(t => t.GetProperty("logit").GetSingle())];
        Assert.Equal(logits.OrderDescending(), logits);
        int[] greedy = [.. doc.RootElement.GetProperty("greedy").EnumerateArray().Select(e => e.GetInt32())];
        Assert.Equal(6, greedy.Length);
        Assert.Equal(top[0].GetProperty("id").GetInt32(), greedy[0]);
        Assert.All(greedy, id => Assert.InRange(id, 0, 299));
    }

    [Fact]
    public void Logits_rejects_a_token_id_outside_the_vocabulary()
    {
        string model = MakeTinyLlama();
        (int exit, _, string error) = CliHarness.Run("logits", "--model", model, "--ids", "1,300", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains("--ids: '300' is not a token id in [0, 300)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_on_a_test_model_echoes_the_prompt_and_reports_stats()
    {
        string model = MakeTinyLlama();
        (int exit, string output, string error) = CliHarness.Run("generate", "--model", model, "--prompt", "hello", "--max-tokens", "5", "--temperature", "0", "--stats", "--plugins-dir", RepositoryPaths.HostPluginDirectory);

        Assert.True(exit == 0, $"exit {exit}: {error}");
        Assert.StartsWith("hello", output, StringComparison.Ordinal);
        Assert.Contains("generated", error, StringComparison.Ordinal);
        Assert.Contains("finish: ", error, StringComparison.Ordinal);
    }

    private string MakeTinyLlama()
    {
        string output = _dir.Combine("tiny.gguf");
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", output, "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "300", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(exit == 0, $"make-test-model failed with {exit}: {error}");
        return output;
    }

    [Fact]
    public void A_plugin_disabled_with_set_is_not_listed()
    {
        (int exit, string output, string error) = CliHarness.Run("plugins", "--format", "json", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--set", "LlmFramework:Plugins:Disabled:0=LlmFramework.Models.Llama");

        Assert.True(exit == 0, $"exit {exit}: {error}");
        using JsonDocument doc = JsonDocument.Parse(output);
        string[] names = [.. doc.RootElement.GetProperty("plugins").EnumerateArray().Select(p => p.GetProperty("name").GetString()!)];
        Assert.DoesNotContain("LlmFramework.Models.Llama", names);
        Assert.NotEmpty(names);
        Assert.Empty(doc.RootElement.GetProperty("failures").EnumerateArray());
    }
}
