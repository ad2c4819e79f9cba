using LlmFramework.Parity.Tests;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>llama.cpp with its default attention settings (F16 KV cache, flash attention auto), as a user gets it.</summary>
internal sealed class LlamaCppRunner(string ggufPath, int[] prompt, int genTokens, int threads) : IEngineBench
{
    private readonly LlamaCppReference _reference = new(ggufPath, threads, contextSize: prompt.Length + genTokens + 1, exactAttention: false);

    public string Name => "llama.cpp";

    public (double PrefillTps, double DecodeTps) RunOnce() => _reference.Bench(prompt, genTokens);

    public int[] GreedyTokens(int count) => _reference.Greedy(prompt, count);

    public void Dispose() => _reference.Dispose();
}
