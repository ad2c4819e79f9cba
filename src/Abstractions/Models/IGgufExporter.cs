using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Models;

/// <summary>
/// Optional capability of a model family (contract 1.1): converts a checkpoint the family loads (for example a Hugging
/// Face folder) into a GGUF file that the family, and llama.cpp, load with the same results.
/// </summary>
public interface IGgufExporter
{
    /// <summary>
    /// Writes <paramref name="source"/> to <paramref name="outputPath"/> with matrices stored as
    /// <paramref name="weightType"/> (norm weights stay F32). A matrix whose row length is not a multiple of the
    /// type's block size is stored as F16 instead. Throws <see cref="ModelLoadException"/> for a malformed checkpoint
    /// and <see cref="NotSupportedException"/> for what the exporter cannot express.
    /// </summary>
    /// <returns>The GGUF names of the matrices stored as F16 instead of <paramref name="weightType"/>.</returns>
    IReadOnlyList<string> ExportGguf(ModelSource source, DType weightType, string outputPath);
}
