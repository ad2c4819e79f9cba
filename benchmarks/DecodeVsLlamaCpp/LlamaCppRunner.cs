using LlmFramework.Parity.Tests;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>Times llama.cpp with its default attention settings (F16 KV cache, flash attention auto).</summary>
internal static class LlamaCppRunner
{
    public const string Name = "llama.cpp";

    public static EngineSpeed Measure(string ggufPath, int[] prompt, int genTokens, int threads, int runs, out int[] greedyTokens)
    {
        using var reference = new LlamaCppReference(ggufPath, threads, contextSize: prompt.Length + genTokens + 1, exactAttention: false);
        reference.Bench(prompt, genTokens); // warm-up: page in the weights, size the compute buffers
        var timed = new List<(double, double)>(runs);
        for (int run = 0; run < runs; run++)
        {
            timed.Add(reference.Bench(prompt, genTokens));
        }

        greedyTokens = reference.Greedy(prompt, Math.Min(genTokens, 32));
        return EngineSpeed.Best(Name, timed);
    }
}
