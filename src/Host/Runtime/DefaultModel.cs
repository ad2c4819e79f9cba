namespace LlmFramework.Host.Runtime;

/// <summary>
/// The embedded default model used when no model is configured: the small LLaMA trained on public-domain novels that
/// ships in the repository's models/default folder (model card: models/default/README.md). The host build copies its
/// GGUF form to models/default/model.gguf beside the host executable.
/// </summary>
public static class DefaultModel
{
    /// <summary>File name of the default model's GGUF form.</summary>
    public const string FileName = "model.gguf";

    /// <summary>The folder beside the host that holds the default model.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "models", "default");

    /// <summary>The default model's path.</summary>
    public static string FilePath => Path.Combine(Folder, FileName);

    /// <summary>Returns the default model's path; throws naming the expected file when it is not there.</summary>
    public static string Locate()
    {
        string path = FilePath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"the embedded default model is missing: expected {path}, which the host build copies from the repository's models/default/{FileName}; rebuild the host, or pass --model");
        }

        return path;
    }
}
