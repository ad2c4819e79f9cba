using System.Collections.Concurrent;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama;
using LlmFramework.Models.Llama.TestModels;

namespace LlmFramework.Backends.Torch.Tests.Support;

/// <summary>
/// Random-weight LLaMA GGUF models from the family's own writer (GQA 4/2 heads of 64, two layers, SwiGLU, interleaved
/// rope): written once per weight type into one temporary folder for the test run and deleted when the process exits.
/// </summary>
internal static class LlamaModels
{
    public const int ContextLength = 256;

    private static readonly Lazy<string> Folder = new(CreateFolder);
    private static readonly ConcurrentDictionary<DType, Lazy<string>> Paths = new();

    /// <summary>dim 256 and ffn 512 are whole K-quant super-blocks, so every weight type can be written.</summary>
    public static TestModelSpec Spec(DType type) => new()
    {
        Dim = 256,
        Layers = 2,
        Heads = 4,
        KvHeads = 2,
        FeedForward = 512,
        VocabSize = 512,
        ContextLength = ContextLength,
        DType = type,
        Seed = 11,
    };

    /// <summary>The GGUF file of the model with <paramref name="type"/> weights.</summary>
    public static string PathOf(DType type) => Paths.GetOrAdd(type, t => new Lazy<string>(() => Write(t))).Value;

    /// <summary>The model, loaded with the LLaMA family.</summary>
    public static IModel Load(DType type) =>
        new LlamaFamily().Load(ModelSource.Open(PathOf(type)), new ModelLoadOptions { ContextLength = ContextLength });

    private static string Write(DType type)
    {
        string path = Path.Combine(Folder.Value, $"llama-{DTypeInfo.Name(type)}.gguf");
        LlamaTestModelWriter.Write(Spec(type), CheckpointFormat.Gguf, path);
        return path;
    }

    private static string CreateFolder()
    {
        string folder = Directory.CreateTempSubdirectory("llmf-torch-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A model still mapped by a finalising engine: the temp folder is cleaned by the system later.
            }
        };
        return folder;
    }
}
