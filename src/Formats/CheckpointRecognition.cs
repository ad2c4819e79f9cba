using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Gguf;
using LlmFramework.Formats.Json;

namespace LlmFramework.Formats;

/// <summary>
/// What model families share to recognise a checkpoint: a GGUF file by its <c>general.architecture</c>, a Hugging Face
/// folder by the <c>architectures</c> of its config.json, any load error turned into a reasoned no-match, and the guard
/// that refuses to load what was not recognised.
/// </summary>
public static class CheckpointRecognition
{
    /// <summary>
    /// Whether <paramref name="source"/> is a GGUF file of <paramref name="ggufArchitecture"/> (and passes
    /// <paramref name="ggufCheck"/>, which returns a no-match to refuse it, or null) or a folder whose config.json names
    /// one of <paramref name="folderArchitectures"/>. A file that cannot be read is a no-match whose reason says why.
    /// </summary>
    public static ModelRecognition Recognize(ModelSource source, string ggufArchitecture, IReadOnlyList<string> folderArchitectures, Func<GgufFile, ModelRecognition?>? ggufCheck = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(folderArchitectures);
        try
        {
            return source.Format == CheckpointFormat.Gguf
                ? RecognizeGguf(source.Path, ggufArchitecture, ggufCheck)
                : RecognizeFolder(source.Path, folderArchitectures);
        }
        catch (ModelLoadException e)
        {
            return ModelRecognition.NoMatch(null, e.Message);
        }
    }

    /// <summary>Throws a <see cref="ModelLoadException"/> naming <paramref name="source"/> unless <paramref name="recognition"/> is a match.</summary>
    /// <param name="recognition">The family's recognition of the source.</param>
    /// <param name="source">The checkpoint.</param>
    /// <param name="what">What the family loads, for the message (for example "a DeepSeek checkpoint").</param>
    public static void RequireMatch(ModelRecognition recognition, ModelSource source, string what)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!recognition.IsMatch)
        {
            throw new ModelLoadException(source.Path, $"not {what}: {recognition.Reason}");
        }
    }

    private static ModelRecognition RecognizeGguf(string path, string expected, Func<GgufFile, ModelRecognition?>? check)
    {
        using GgufFile file = GgufFile.Open(path);
        if (!file.TryGetString("general.architecture", out string arch))
        {
            return ModelRecognition.NoMatch(null, $"{path}: metadata has no general.architecture");
        }

        if (arch != expected)
        {
            return ModelRecognition.NoMatch(arch, $"{path}: general.architecture '{arch}' is not '{expected}'");
        }

        return check?.Invoke(file) ?? ModelRecognition.Match(arch);
    }

    private static ModelRecognition RecognizeFolder(string folder, IReadOnlyList<string> known)
    {
        string configPath = Path.Combine(folder, "config.json");
        JsonObjectReader json = JsonObjectReader.Load(configPath);
        IReadOnlyList<string> architectures = json.StringList("architectures");
        string? match = architectures.FirstOrDefault(a => known.Contains(a, StringComparer.Ordinal));
        if (match is not null)
        {
            return ModelRecognition.Match(match);
        }

        string found = architectures.Count > 0 ? string.Join(", ", architectures) : json.OptionalString("model_type") ?? "(none)";
        return ModelRecognition.NoMatch(
            architectures.Count > 0 ? architectures[0] : null,
            $"{configPath}: architectures [{found}] include none of {string.Join(", ", known)}");
    }
}
