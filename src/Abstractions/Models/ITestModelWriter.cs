namespace LlmFramework.Abstractions.Models;

/// <summary>Optional capability of a model family: writes random-weight models of its architectures.</summary>
public interface ITestModelWriter
{
    /// <summary>Architectures this writer can produce.</summary>
    IReadOnlyList<string> TestArchitectures { get; }

    /// <summary>
    /// Writes the model described by <paramref name="spec"/> to <paramref name="outputPath"/>: a GGUF file for
    /// <see cref="CheckpointFormat.Gguf"/>, or a Hugging Face folder (config.json, model.safetensors,
    /// tokenizer.json, tokenizer_config.json, generation_config.json).
    /// </summary>
    void Write(TestModelSpec spec, CheckpointFormat format, string outputPath);
}
