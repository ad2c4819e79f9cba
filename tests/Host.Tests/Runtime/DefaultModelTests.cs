using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmFramework.Host.Runtime;
using LlmFramework.Host.Tests.Cli;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Runtime;

/// <summary>
/// The embedded default model (models/default): it ships beside the host, it is the trained model of its card (the
/// engine's held-out perplexity matches the training figure), and what it writes is English.
/// </summary>
[Collection(ProcessStateCollection.Name)]
public sealed partial class DefaultModelTests
{
    private static string ModelFolder => Path.Combine(RepositoryPaths.Root, "models", "default");

    [Fact]
    public void The_build_puts_the_repository_default_model_beside_the_host()
    {
        string shipped = Path.Combine(ModelFolder, DefaultModel.FileName);
        Assert.Equal(DefaultModel.FilePath, DefaultModel.Locate());
        Assert.Equal(new FileInfo(shipped).Length, new FileInfo(DefaultModel.FilePath).Length);
    }

    [Fact]
    public void Both_shipped_forms_fit_the_size_budget()
    {
        long total = Directory.GetFiles(ModelFolder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(total < 25L * 1024 * 1024, $"models/default holds {total:N0} bytes; the budget is 25 MB");
        Assert.True(File.Exists(Path.Combine(ModelFolder, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(ModelFolder, "tokenizer.model")));
    }

    [Fact]
    public void The_engine_gives_the_held_out_perplexity_of_the_model_card_within_one_percent()
    {
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(ModelFolder, "training.json")));
        double trained = summary.RootElement.GetProperty("held_out_perplexity").GetDouble();
        string heldOut = Path.Combine(ModelFolder, "heldout.txt");
        foreach (string[] model in new[] { Array.Empty<string>(), ["--model", ModelFolder] })
        {
            (int exit, string output, string error) = CliHarness.Run(["eval-ppl", "--file", heldOut, .. model, "--plugins-dir", RepositoryPaths.HostPluginDirectory]);
            Assert.True(exit == 0, error);
            double engine = double.Parse(output.Trim()["perplexity: ".Length..], CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(engine - trained) / trained < 0.01, $"engine perplexity {engine} vs training {trained} ({(model.Length == 0 ? "GGUF default" : "HF folder")})");
        }
    }

    [Fact]
    public void Greedy_text_from_the_default_model_is_english_words()
    {
        HashSet<string> english = NovelWords();
        (int exit, string output, string error) = CliHarness.Run("generate", "--prompt", "Once upon a time", "--temperature", "0", "--max-tokens", "80", "--plugins-dir", RepositoryPaths.HostPluginDirectory);
        Assert.True(exit == 0, error);
        string[] words = [.. Word().Matches(output.ToLowerInvariant()).Select(m => m.Value)];
        Assert.True(words.Length >= 30, $"only {words.Length} words in: {output}");
        double known = words.Count(english.Contains) / (double)words.Length;
        Assert.True(known > 0.9, $"{known:P0} of the words are English: {output}");
    }

    private static HashSet<string> NovelWords()
    {
        using var file = File.OpenRead(Path.Combine(AppContext.BaseDirectory, "data", "novel-words.txt.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    [GeneratedRegex("[a-z]+")]
    private static partial Regex Word();
}
