using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Models.Llama;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>Times LlmFramework's InferenceEngine on the CPU backend.</summary>
internal static class OurEngineRunner
{
    public const string Name = "LlmFramework";

    public static EngineSpeed Measure(string ggufPath, int[] prompt, int genTokens, int threads, int runs, out int[] greedyTokens)
    {
        int context = prompt.Length + genTokens + 1;
        using IModel model = new LlamaFamily().Load(ModelSource.Open(ggufPath), new ModelLoadOptions { ContextLength = context });
        IBackend backend = new CpuBackendFactory().Create(new BackendOptions { Threads = threads });
        try
        {
            var options = new EngineOptions { Threads = threads, MaxSequences = 1, ContextLength = context };
            using var engine = new InferenceEngine(model, [backend], options, logger: null);

            // GenerateGreedy(n) runs n - 1 single-token steps after the prompt; ask for genTokens + 1 tokens so both
            // engines time genTokens decode steps.
            engine.GenerateGreedy(prompt, genTokens + 1, out _); // warm-up: JIT, page in the weights
            var timed = new List<(double, double)>(runs);
            for (int run = 0; run < runs; run++)
            {
                engine.GenerateGreedy(prompt, genTokens + 1, out GenerationStats stats);
                timed.Add((stats.PrefillTokensPerSecond, stats.DecodeTokensPerSecond));
            }

            greedyTokens = engine.GenerateGreedy(prompt, Math.Min(genTokens, 32), out _).ToArray();
            return EngineSpeed.Best(Name, timed);
        }
        finally
        {
            backend.Dispose();
        }
    }
}
