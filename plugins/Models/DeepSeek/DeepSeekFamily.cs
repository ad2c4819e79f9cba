using LlmFramework.Abstractions.Models;
using LlmFramework.Formats.Gguf;
using LlmFramework.Formats.Json;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Models.DeepSeek.Loading;
using LlmFramework.Models.DeepSeek.TestModels;

namespace LlmFramework.Models.DeepSeek;

/// <summary>
/// The DeepSeek family (V2, V2-Lite, V3, R1): GGUF files with general.architecture "deepseek2" and Hugging Face folders
/// whose config.json names DeepseekV3ForCausalLM or DeepseekV2ForCausalLM (including FP8 block-scaled weights). Also
/// writes random-weight deepseek2 test models (make-test-model --arch deepseek2).
/// </summary>
public sealed class DeepSeekFamily : IModelFamily, ITestModelWriter
{
    /// <summary>The family name.</summary>
    public const string FamilyName = "deepseek";

    /// <inheritdoc />
    public string Name => FamilyName;

    /// <inheritdoc />
    public IReadOnlyList<string> Architectures { get; } = [DeepSeekGgufConfigReader.Architecture, .. DeepSeekHuggingFaceConfigReader.Architectures];

    /// <inheritdoc />
    public IReadOnlyList<string> TestArchitectures { get; } = [DeepSeekGgufConfigReader.Architecture];

    /// <inheritdoc />
    public void Write(TestModelSpec spec, CheckpointFormat format, string outputPath) =>
        DeepSeekTestModelWriter.Write(spec, format, outputPath);

    /// <inheritdoc />
    public ModelRecognition Recognize(ModelSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return source.Format == CheckpointFormat.Gguf ? RecognizeGguf(source.Path) : RecognizeFolder(source.Path);
        }
        catch (ModelLoadException e)
        {
            return ModelRecognition.NoMatch(null, e.Message);
        }
    }

    /// <inheritdoc />
    public IModel Load(ModelSource source, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ModelRecognition recognition = Recognize(source);
        if (!recognition.IsMatch)
        {
            throw new ModelLoadException(source.Path, $"not a DeepSeek checkpoint: {recognition.Reason}");
        }

        return source.Format == CheckpointFormat.Gguf ? DeepSeekLoader.LoadGguf(source.Path, options) : DeepSeekLoader.LoadFolder(source.Path, options);
    }

    private static ModelRecognition RecognizeGguf(string path)
    {
        using GgufFile file = GgufFile.Open(path);
        if (!file.TryGetString("general.architecture", out string arch))
        {
            return ModelRecognition.NoMatch(null, $"{path}: metadata has no general.architecture");
        }

        return arch == DeepSeekGgufConfigReader.Architecture
            ? ModelRecognition.Match(arch)
            : ModelRecognition.NoMatch(arch, $"{path}: general.architecture '{arch}' is not '{DeepSeekGgufConfigReader.Architecture}'");
    }

    private static ModelRecognition RecognizeFolder(string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        JsonObjectReader json = JsonObjectReader.Load(configPath);
        IReadOnlyList<string> architectures = json.StringList("architectures");
        string? match = architectures.FirstOrDefault(a => DeepSeekHuggingFaceConfigReader.Architectures.Contains(a, StringComparer.Ordinal));
        return match is not null
            ? ModelRecognition.Match(match)
            : ModelRecognition.NoMatch(architectures.Count > 0 ? architectures[0] : null, $"{configPath}: architectures [{string.Join(", ", architectures)}] include none of {string.Join(", ", DeepSeekHuggingFaceConfigReader.Architectures)}");
    }
}
