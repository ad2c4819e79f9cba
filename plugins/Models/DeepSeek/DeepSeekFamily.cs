using LlmFramework.Abstractions.Models;
using LlmFramework.Formats;
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
    public ModelRecognition Recognize(ModelSource source) =>
        CheckpointRecognition.Recognize(source, DeepSeekGgufConfigReader.Architecture, DeepSeekHuggingFaceConfigReader.Architectures);

    /// <inheritdoc />
    public IModel Load(ModelSource source, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        CheckpointRecognition.RequireMatch(Recognize(source), source, "a DeepSeek checkpoint");
        return source.Format == CheckpointFormat.Gguf ? DeepSeekLoader.LoadGguf(source.Path, options) : DeepSeekLoader.LoadFolder(source.Path, options);
    }
}
