using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Runtime;

/// <summary>
/// The embedded default model used when no model is configured. Until the trained default model ships, it is a small
/// random-weight LLaMA written deterministically by the LLaMA family's test-model writer on first use (same bytes on
/// every machine) into the cache folder: $LLMF_HOME, else $XDG_CACHE_HOME/llmframework, else ~/.cache/llmframework.
/// </summary>
public static class DefaultModel
{
    /// <summary>File name of the generated default model (the version suffix changes when the spec does).</summary>
    public const string FileName = "default-llama-random-v1.gguf";

    /// <summary>The spec of the generated default model.</summary>
    public static TestModelSpec Spec { get; } = new()
    {
        Architecture = "llama",
        Dim = 256,
        Layers = 4,
        Heads = 8,
        KvHeads = 4,
        FeedForward = 704,
        VocabSize = 2048,
        ContextLength = 2048,
        DType = DType.F16,
        Seed = 20261128,
    };

    /// <summary>The cache folder.</summary>
    public static string CacheDirectory
    {
        get
        {
            string? home = Environment.GetEnvironmentVariable("LLMF_HOME");
            if (!string.IsNullOrEmpty(home))
            {
                return home;
            }

            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "llmframework");
        }
    }

    /// <summary>Returns the default model's path, writing it first when it is not there yet.</summary>
    public static string Ensure(IEnumerable<IModelFamily> families, ILogger logger)
    {
        string path = Path.Combine(CacheDirectory, FileName);
        if (File.Exists(path))
        {
            return path;
        }

        ITestModelWriter writer = families.OfType<ITestModelWriter>().FirstOrDefault(w => w.TestArchitectures.Contains(Spec.Architecture, StringComparer.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"no loaded model-family plugin can write a '{Spec.Architecture}' model, so the default model cannot be made; is the LLaMA plugin in the plugins folder?");
        Directory.CreateDirectory(CacheDirectory);
        string temporary = path + $".{Environment.ProcessId}.tmp";
        logger.LogInformation("writing the default model (random weights, seed {Seed}) to {Path}", Spec.Seed, path);
        writer.Write(Spec, CheckpointFormat.Gguf, temporary);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
