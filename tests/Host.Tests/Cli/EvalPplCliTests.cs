using System.Globalization;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Cli;

/// <summary>The eval-ppl verb: prints 'perplexity: X' for a model and a text file; bad input is named.</summary>
[Collection(ProcessStateCollection.Name)]
public sealed class EvalPplCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Model()
    {
        string path = _dir.Combine("m.gguf");
        (int exit, _, string error) = CliHarness.Run("make-test-model", "--out", path, "--dim", "32", "--layers", "1", "--heads", "2", "--ffn", "64", "--vocab", "300", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(exit == 0, error);
        return path;
    }

    [Fact]
    public void Prints_a_perplexity_that_does_not_depend_on_the_batch_size()
    {
        string model = Model();
        string text = _dir.WriteText("t.txt", string.Concat(Enumerable.Repeat("It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n", 6)));
        double Run(string batch)
        {
            (int exit, string output, string error) = CliHarness.Run("eval-ppl", "--model", model, "--file", text, "--window", "64", "--set", $"LlmFramework:Engine:MaxBatchTokens={batch}", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
            Assert.True(exit == 0, error);
            string line = output.Trim();
            Assert.StartsWith("perplexity: ", line, StringComparison.Ordinal);
            return double.Parse(line["perplexity: ".Length..], CultureInfo.InvariantCulture);
        }

        double a = Run("256");
        double b = Run("7");
        Assert.True(a > 1 && double.IsFinite(a), $"perplexity {a}");
        Assert.Equal(a, b, 2);
    }

    [Fact]
    public void A_missing_text_file_is_named()
    {
        string missing = _dir.Combine("none.txt");
        (int exit, _, string error) = CliHarness.Run("eval-ppl", "--model", Model(), "--file", missing, "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains(missing, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unavailable_backend_is_named()
    {
        string text = _dir.WriteText("t.txt", "some words to score here");
        (int exit, _, string error) = CliHarness.Run("eval-ppl", "--model", Model(), "--file", text, "--backend", "nosuch", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.Equal(1, exit);
        Assert.Contains("--backend 'nosuch' is not available", error, StringComparison.Ordinal);
    }
}
