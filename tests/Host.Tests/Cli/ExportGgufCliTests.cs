using System.Globalization;
using System.Text.Json;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Cli;

/// <summary>
/// `export-gguf --model HF_FOLDER --out FILE --dtype T`: prints the file written, notes the matrices kept in F16, and
/// the file runs like the folder; bad input is named. Uses the repository's models/default (read only) and its tokenizer.model.
/// </summary>
[Collection(ProcessStateCollection.Name)]
public sealed class ExportGgufCliTests : IDisposable
{
    private static readonly string DefaultModel = Path.Combine(RepositoryPaths.Root, "models", "default");
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Exit, string Out, string Error) Run(params string[] args) =>
        CliHarness.Run([.. args, "--plugins-dir", RepositoryPaths.HostPluginDirectory]);

    private string Perplexity(string model, string text)
    {
        (int exit, string output, string error) = Run("eval-ppl", "--model", model, "--file", text, "--window", "64");
        Assert.True(exit == 0, error);
        return output.Trim();
    }

    [Fact]
    public void The_default_model_exported_as_f16_has_the_folder_s_perplexity()
    {
        string output = _dir.Combine("out", "default-f16.gguf");
        (int exit, string stdout, string error) = Run("export-gguf", "--model", DefaultModel, "--out", output);
        Assert.True(exit == 0, error);
        Assert.Equal(output, stdout.Trim());
        Assert.DoesNotContain("note:", error, StringComparison.Ordinal);
        string text = _dir.WriteText("t.txt", "The rain had stopped by the time she reached the station, and the lamps along the platform were lit one by one.\n");
        Assert.Equal(Perplexity(DefaultModel, text), Perplexity(output, text));
    }

    [Fact]
    public void A_q8_0_export_notes_the_matrices_kept_in_f16_and_still_runs()
    {
        // A random 7-layer model with ffn 80 (not a multiple of Q8_0's 32) and the default model's tokenizer.model.
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(DefaultModel, "config.json")));
        string vocab = config.RootElement.GetProperty("vocab_size").GetInt32().ToString(CultureInfo.InvariantCulture);
        string folder = _dir.Combine("hf");
        (int exit, string stdout, string error) = Run("make-test-model", "--format", "hf", "--out", folder, "--dim", "64", "--layers", "7", "--heads", "4", "--ffn", "80", "--vocab", vocab);
        Assert.True(exit == 0, error);
        File.Delete(Path.Combine(folder, "tokenizer.json"));
        File.Copy(Path.Combine(DefaultModel, "tokenizer.model"), Path.Combine(folder, "tokenizer.model"));
        File.Copy(Path.Combine(DefaultModel, "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"), overwrite: true);

        string output = _dir.Combine("q8_0.gguf");
        (exit, stdout, error) = Run("export-gguf", "--model", folder, "--out", output, "--dtype", "q8_0");
        Assert.True(exit == 0, error);
        Assert.Equal(output, stdout.Trim());
        Assert.Contains("note: 7 matrices stored as f16 because their rows do not divide into q8_0 blocks: blk.0.ffn_down.weight, blk.1.ffn_down.weight, blk.2.ffn_down.weight, blk.3.ffn_down.weight, blk.4.ffn_down.weight, blk.5.ffn_down.weight, ...", error, StringComparison.Ordinal);
        (exit, string generated, error) = Run("generate", "--model", output, "--prompt", "Once upon a time", "--max-tokens", "8", "--temperature", "0");
        Assert.True(exit == 0, error);
        Assert.StartsWith("Once upon a time", generated, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("q3_x")]
    [InlineData("i32")]
    public void A_bad_dtype_is_named_with_the_choices(string dtype)
    {
        (int exit, _, string error) = Run("export-gguf", "--model", DefaultModel, "--out", _dir.Combine("x.gguf"), "--dtype", dtype);
        Assert.Equal(1, exit);
        Assert.Contains($"--dtype '{dtype}' is not one of f32, f16, bf16, q8_0, q4_0, q4_k, q6_k", error, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.Combine("x.gguf")));
    }

    [Fact]
    public void A_model_that_is_not_a_folder_is_named()
    {
        string gguf = Path.Combine(DefaultModel, "model.gguf");
        foreach (string model in new[] { _dir.Combine("missing"), gguf })
        {
            (int exit, _, string error) = Run("export-gguf", "--model", model, "--out", _dir.Combine("x.gguf"));
            Assert.Equal(1, exit);
            Assert.Contains($"--model '{model}' is not a folder (export-gguf converts Hugging Face folders)", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_folder_without_tokenizer_model_is_named()
    {
        string folder = _dir.Combine("hf");
        (int exit, _, string error) = Run("make-test-model", "--format", "hf", "--out", folder, "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "300");
        Assert.True(exit == 0, error);
        (exit, _, error) = Run("export-gguf", "--model", folder, "--out", _dir.Combine("x.gguf"));
        Assert.Equal(1, exit);
        Assert.Contains($"error: {folder}: export-gguf needs tokenizer.model", error, StringComparison.Ordinal);
    }
}
