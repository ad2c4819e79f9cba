using System.Diagnostics;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>The benchmark's random-weight LLaMA (~134M parameters, ~110M read per decoded token) and its prompt.</summary>
internal static class BenchmarkModel
{
    /// <summary>dim 768, 12 layers, 12 heads (MHA), FFN 2048, vocab 32000, untied output: a small Llama-2-shaped model.</summary>
    public static TestModelSpec Spec(DType dtype) => new()
    {
        Architecture = "llama",
        Dim = 768,
        Layers = 12,
        Heads = 12,
        KvHeads = 12,
        FeedForward = 2048,
        VocabSize = 32000,
        TiedEmbeddings = false,
        ContextLength = 2048,
        DType = dtype,
        Seed = 7,
    };

    /// <summary>Writes the GGUF for <paramref name="spec"/> into <paramref name="directory"/> unless it is already there.</summary>
    public static string EnsureWritten(TestModelSpec spec, string directory, bool rewrite)
    {
        Directory.CreateDirectory(directory);
        string name = $"llama-d{spec.Dim}-l{spec.Layers}-h{spec.Heads}-kv{spec.KvHeads}-ffn{spec.FeedForward}-v{spec.VocabSize}-s{spec.Seed}-{spec.DType}.gguf";
        string path = Path.Combine(directory, name);
        if (File.Exists(path) && !rewrite)
        {
            return path;
        }

        Console.Error.WriteLine($"writing {path} ...");
        long start = Stopwatch.GetTimestamp();
        string temporary = path + ".partial";
        new LlamaFamily().Write(spec, CheckpointFormat.Gguf, temporary);
        File.Move(temporary, path, overwrite: true);
        Console.Error.WriteLine($"  {new FileInfo(path).Length / 1048576.0:F0} MiB in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
        return path;
    }

    /// <summary>A fixed prompt: BOS then ids drawn (seeded) from the ordinary-token range above the 259 specials and bytes.</summary>
    public static int[] Prompt(int length, int vocabSize)
    {
        var random = new Random(1234);
        var ids = new int[length];
        ids[0] = 1;
        for (int i = 1; i < length; i++)
        {
            ids[i] = random.Next(259, vocabSize);
        }

        return ids;
    }
}
