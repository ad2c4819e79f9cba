using LlmFramework.Formats.Json;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Export;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Loading;
using LlmFramework.Models.Llama.TestModels;

namespace LlmFramework.Models.Llama;

/// <summary>
/// The LLaMA model family: GGUF files with general.architecture "llama" and Hugging Face folders whose config.json
/// names LlamaForCausalLM or MistralForCausalLM. Also writes random-weight test models of both forms, and exports
/// Hugging Face folders as GGUF files.
/// </summary>
public sealed class LlamaFamily : IModelFamily, ITestModelWriter, IGgufExporter
{
    /// <summary>The GGUF general.architecture value.</summary>
    public const string GgufArchitecture = "llama";

    private static readonly string[] HuggingFaceArchitectures = ["LlamaForCausalLM", "MistralForCausalLM"];

    /// <inheritdoc />
    public string Name => "llama";

    /// <inheritdoc />
    public IReadOnlyList<string> Architectures { get; } = [GgufArchitecture, .. HuggingFaceArchitectures];

    /// <inheritdoc />
    public IReadOnlyList<string> TestArchitectures { get; } = [GgufArchitecture];

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
            throw new ModelLoadException(source.Path, $"not a LLaMA-family checkpoint: {recognition.Reason}");
        }

        return source.Format == CheckpointFormat.Gguf
            ? GgufLlamaLoader.Load(source.Path, options)
            : HuggingFaceLlamaLoader.Load(source.Path, options);
    }

    /// <inheritdoc />
    public void Write(TestModelSpec spec, CheckpointFormat format, string outputPath) =>
        LlamaTestModelWriter.Write(spec, format, outputPath);

    /// <inheritdoc />
    public IReadOnlyList<string> ExportGguf(ModelSource source, DType weightType, string outputPath)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Format != CheckpointFormat.HuggingFaceFolder)
        {
            throw new NotSupportedException($"{source.Path} is already a GGUF file; export-gguf converts Hugging Face folders");
        }

        ModelRecognition recognition = Recognize(source);
        if (!recognition.IsMatch)
        {
            throw new ModelLoadException(source.Path, $"not a LLaMA-family checkpoint: {recognition.Reason}");
        }

        return LlamaGgufExporter.Export(source.Path, weightType, outputPath);
    }

    private static ModelRecognition RecognizeGguf(string path)
    {
        using GgufFile file = GgufFile.Open(path);
        if (!file.TryGetString("general.architecture", out string arch))
        {
            return ModelRecognition.NoMatch(null, $"{path}: metadata has no general.architecture");
        }

        if (arch != GgufArchitecture)
        {
            return ModelRecognition.NoMatch(arch, $"{path}: general.architecture '{arch}' is not '{GgufArchitecture}'");
        }

        // llama.cpp also files Mixtral-style MoE models under "llama"; this family has no expert routing.
        if (file.TryGetInteger($"{arch}.expert_count", out long experts) && experts > 0)
        {
            return ModelRecognition.NoMatch(arch, $"{path}: {arch}.expert_count is {experts}; mixture-of-experts LLaMA models are not supported by this family");
        }

        return ModelRecognition.Match(arch);
    }

    private static ModelRecognition RecognizeFolder(string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        JsonObjectReader json = JsonObjectReader.Load(configPath);
        IReadOnlyList<string> architectures = json.StringList("architectures");
        string? match = architectures.FirstOrDefault(a => HuggingFaceArchitectures.Contains(a, StringComparer.Ordinal));
        if (match is not null)
        {
            return ModelRecognition.Match(match);
        }

        string found = architectures.Count > 0 ? string.Join(", ", architectures) : json.OptionalString("model_type") ?? "(none)";
        return ModelRecognition.NoMatch(
            architectures.Count > 0 ? architectures[0] : null,
            $"{configPath}: architectures [{found}] include none of {string.Join(", ", HuggingFaceArchitectures)}");
    }
}
