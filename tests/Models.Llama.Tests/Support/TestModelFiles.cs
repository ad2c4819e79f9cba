using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>Writes test models with the family's writer, and damaged copies of GGUF files.</summary>
internal static class TestModelFiles
{
    public static TestModelSpec SmallSpec(DType type = DType.F32, bool tied = false, int kvHeads = 2) => new()
    {
        Dim = 64,
        Layers = 2,
        Heads = 4,
        KvHeads = kvHeads,
        FeedForward = 96,
        VocabSize = 300,
        ContextLength = 128,
        TiedEmbeddings = tied,
        DType = type,
        Seed = 7,
    };

    public static string Write(TempFolder folder, TestModelSpec spec, CheckpointFormat format, string name)
    {
        string path = folder.File(name);
        new LlamaFamily().Write(spec, format, path);
        return path;
    }

    /// <summary>Rewrites <paramref name="source"/> to <paramref name="destination"/> with tensors dropped or replaced.</summary>
    public static void RewriteGguf(string source, string destination, Func<string, bool> keepTensor, Action<GgufWriter>? addTensors = null, Func<string, bool>? keepKey = null, Action<GgufWriter>? addMetadata = null)
    {
        using GgufFile file = GgufFile.Open(source);
        var w = new GgufWriter();
        foreach ((string key, GgufValue value) in file.Metadata)
        {
            if (keepKey?.Invoke(key) ?? true)
            {
                w.Add(key, value);
            }
        }

        addMetadata?.Invoke(w);
        foreach (GgufTensorInfo t in file.Tensors)
        {
            if (keepTensor(t.Name))
            {
                w.AddTensor(t.Name, t.GgmlType, t.Shape, file.GetTensorBytes(t.Name).ToArray());
            }
        }

        addTensors?.Invoke(w);
        w.WriteTo(destination);
    }

    public static float[] F32Values(WeightTensor t)
    {
        var values = new float[t.Rows * t.Columns];
        Quantization.BlockQuantizer.Dequantize(t.Type, t.Bytes, values);
        return values;
    }
}
