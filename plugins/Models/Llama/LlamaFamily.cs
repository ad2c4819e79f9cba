using LlmFramework.Formats;
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
    public ModelRecognition Recognize(ModelSource source) =>
        CheckpointRecognition.Recognize(source, GgufArchitecture, HuggingFaceArchitectures, WithoutExperts);

    /// <inheritdoc />
    public IModel Load(ModelSource source, ModelLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        CheckpointRecognition.RequireMatch(Recognize(source), source, "a LLaMA-family checkpoint");
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

        CheckpointRecognition.RequireMatch(Recognize(source), source, "a LLaMA-family checkpoint");
        return LlamaGgufExporter.Export(source.Path, weightType, outputPath);
    }

    /// <summary>llama.cpp also files Mixtral-style MoE models under "llama"; this family has no expert routing.</summary>
    private static ModelRecognition? WithoutExperts(GgufFile file) =>
        file.TryGetInteger($"{GgufArchitecture}.expert_count", out long experts) && experts > 0
            ? ModelRecognition.NoMatch(GgufArchitecture, $"{file.Path}: {GgufArchitecture}.expert_count is {experts}; mixture-of-experts LLaMA models are not supported by this family")
            : null;
}
