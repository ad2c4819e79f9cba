namespace LlmFramework.Abstractions.Models;

/// <summary>A model-family plugin: recognises checkpoints of its architectures and loads them.</summary>
public interface IModelFamily
{
    /// <summary>Family name (e.g. "llama").</summary>
    string Name { get; }

    /// <summary>Architecture names the family handles (GGUF general.architecture values and HF architectures).</summary>
    IReadOnlyList<string> Architectures { get; }

    /// <summary>Looks at the checkpoint's metadata (cheaply) and says whether this family can load it.</summary>
    ModelRecognition Recognize(ModelSource source);

    /// <summary>Loads the checkpoint. Throws <see cref="ModelLoadException"/> naming the file and the problem.</summary>
    IModel Load(ModelSource source, ModelLoadOptions options);
}
