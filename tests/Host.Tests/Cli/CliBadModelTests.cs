using System.Text;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Cli;

/// <summary>
/// Broken, truncated and lying model files, unknown architectures and missing plugins, through the CLI: each gives
/// exit code 1 and one line on stderr naming the file and the problem; none crashes or hangs.
/// </summary>
[Collection(ProcessStateCollection.Name)]
public sealed class CliBadModelTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteModel(string name, string format = "gguf")
    {
        string path = _dir.Combine(name);
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--format", format, "--out", path, "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "300", "--dtype", "f16", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(exit == 0, error);
        return path;
    }

    private static string FailsNaming(string path, params string[] fragments) => FailsNaming(path, path, fragments);

    private static string FailsNaming(string modelPath, string path, params string[] fragments)
    {
        (int exit, string output, string error) = CliHarness.Run("logits", "--model", modelPath, "--ids", "1,2", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        Assert.Contains(path, error, StringComparison.Ordinal);
        foreach (string fragment in fragments)
        {
            Assert.True(error.Contains(fragment, StringComparison.OrdinalIgnoreCase), $"'{fragment}' not in: {error}");
        }

        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack trace
        return error;
    }

    [Fact]
    public void A_good_model_loads_so_the_failures_below_are_the_files_fault()
    {
        string path = WriteModel("good.gguf");
        (int exit, string output, string error) = CliHarness.Run("logits", "--model", path, "--ids", "1,2", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(exit == 0, error);
        Assert.Contains("\"top\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_file_is_too_short()
    {
        string path = _dir.Combine("empty.gguf");
        File.WriteAllBytes(path, []);
        FailsNaming(path, "too short");
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_named()
    {
        string path = _dir.Combine("notes.gguf");
        File.WriteAllText(path, "these are not the weights you are looking for");
        FailsNaming(path, "not a GGUF file");
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void A_truncated_gguf_file_is_named(double keep)
    {
        string path = WriteModel("cut.gguf");
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, (int)(bytes.Length * keep)).ToArray());
        FailsNaming(path);
    }

    [Fact]
    public void A_tensor_whose_data_lies_past_the_end_of_the_file_is_named()
    {
        // Drop the last few bytes: the header is intact, but the last tensor's data runs past the end of the file.
        string path = WriteModel("short.gguf");
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 8).ToArray());
        FailsNaming(path, "end");
    }

    [Fact]
    public void A_gguf_of_an_unknown_architecture_is_refused_by_every_family()
    {
        string path = _dir.Combine("mamba.gguf");
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "mamba");
        writer.AddTensor("token_embd.weight", DType.F32, [4, 32], new byte[4 * 32 * 4]);
        writer.WriteTo(path);
        FailsNaming(path, "no loaded model family recognises", "mamba");
    }

    [Fact]
    public void An_hf_folder_whose_safetensors_header_is_longer_than_the_file_is_named()
    {
        string folder = WriteModel("hf-long-header", "hf");
        string weights = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), (ulong)bytes.Length * 4);
        File.WriteAllBytes(weights, bytes);
        FailsNaming(folder, weights, "header");
    }

    [Fact]
    public void An_hf_folder_with_an_unknown_dtype_is_named()
    {
        string folder = WriteModel("hf-dtype", "hf");
        string weights = Path.Combine(folder, "model.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        ReplaceOnce(bytes, "\"F16\"", "\"Z16\"");
        File.WriteAllBytes(weights, bytes);
        FailsNaming(folder, weights, "unknown dtype 'Z16'");
    }

    [Fact]
    public void An_hf_folder_of_an_unknown_architecture_is_named()
    {
        string folder = WriteModel("hf-arch", "hf");
        string config = Path.Combine(folder, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("LlamaForCausalLM", "GPTNeoXForCausalLM", StringComparison.Ordinal));
        FailsNaming(folder, "no loaded model family recognises", "GPTNeoXForCausalLM");
    }

    [Fact]
    public void An_hf_folder_with_a_broken_config_json_is_named()
    {
        string folder = WriteModel("hf-json", "hf");
        File.WriteAllText(Path.Combine(folder, "config.json"), "{ \"hidden_size\": 32, ");
        FailsNaming(folder, "config.json");
    }

    [Fact]
    public void A_missing_model_family_plugin_is_named()
    {
        string path = WriteModel("ok.gguf");
        (int exit, _, string error) = CliHarness.Run("logits", "--model", path, "--ids", "1", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--set", "LlmFramework:Plugins:Disabled:0=LlmFramework.Models.Llama", "--set", "LlmFramework:Plugins:Disabled:1=LlmFramework.Models.DeepSeek");
        Assert.Equal(1, exit);
        Assert.Contains("no model-family plugin is loaded", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_cpu_backend_plugin_is_named()
    {
        string path = WriteModel("ok2.gguf");
        (int exit, _, string error) = CliHarness.Run("logits", "--model", path, "--ids", "1", "--plugins-dir", RepositoryPaths.HostPluginDirectory, "--set", "LlmFramework:Plugins:Disabled:0=LlmFramework.Backends.Cpu");
        Assert.Equal(1, exit);
        Assert.Contains("backend 'cpu'", error, StringComparison.Ordinal);
        Assert.Contains("not provided by any loaded plugin", error, StringComparison.Ordinal);
    }

    private static void ReplaceOnce(byte[] bytes, string from, string to)
    {
        byte[] f = Encoding.ASCII.GetBytes(from);
        byte[] t = Encoding.ASCII.GetBytes(to);
        int at = bytes.AsSpan().IndexOf(f);
        Assert.True(at >= 0, $"'{from}' not found");
        t.CopyTo(bytes, at);
    }
}
