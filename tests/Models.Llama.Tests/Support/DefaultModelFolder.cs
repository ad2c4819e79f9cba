using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>
/// The repository's trained default model (models/default: an F16 HF folder with a SentencePiece tokenizer.model),
/// read only, and random-weight HF test models that borrow its tokenizer so they can be exported. Its shape is read
/// from its config.json, so the tests keep working when the model is retrained.
/// </summary>
internal static class DefaultModelFolder
{
    /// <summary>models/default, found by walking up from the test's output folder to LlmFramework.sln.</summary>
    public static string DefaultModel { get; } = Path.Combine(FindRoot(), "models", "default");

    /// <summary>The default model's config.json.</summary>
    public static JsonObject Config { get; } = JsonNode.Parse(File.ReadAllText(Path.Combine(DefaultModel, "config.json")))!.AsObject();

    /// <summary>The vocabulary size of the default model (and its tokenizer.model).</summary>
    public static int VocabSize => (int)Config["vocab_size"]!;

    /// <summary>A random HF test model of <paramref name="spec"/> (with the default model's vocabulary size) with the default model's tokenizer.model and tokenizer_config.json instead of tokenizer.json.</summary>
    public static string WriteTestModel(TempFolder folder, TestModelSpec spec, string name)
    {
        string path = TestModelFiles.Write(folder, spec with { VocabSize = VocabSize }, CheckpointFormat.HuggingFaceFolder, name);
        File.Delete(Path.Combine(path, "tokenizer.json"));
        foreach (string file in new[] { "tokenizer.model", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(DefaultModel, file), Path.Combine(path, file), overwrite: true);
        }

        return path;
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LlmFramework.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"LlmFramework.sln not found above {AppContext.BaseDirectory}");
    }
}
