using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Models.Llama;

namespace LlmFramework.Training.Tests.Support;

/// <summary>Runs a trained folder through the inference engine (LLaMA family, CPU backend), as the host does.</summary>
internal static class EngineScoring
{
    /// <summary>eval-ppl's perplexity of <paramref name="text"/> under the model at <paramref name="path"/>.</summary>
    public static double Perplexity(string path, string text, int window, IReadOnlyList<AdapterSpec>? adapters = null)
    {
        using IModel model = new LlamaFamily().Load(ModelSource.Open(path), new ModelLoadOptions { Adapters = adapters ?? [] });
        using IBackend cpu = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
        using var engine = new InferenceEngine(model, [cpu], new EngineOptions { MaxSequences = 1 });
        return PerplexityEvaluator.Evaluate(engine, model.Tokenizer.Encode(text), Math.Min(window, engine.ContextLength)).Perplexity;
    }

    /// <summary>Greedy continuation of <paramref name="prompt"/> (token ids) under the model at <paramref name="path"/>.</summary>
    public static int[] Greedy(string path, string prompt, int tokens, IReadOnlyList<AdapterSpec>? adapters = null)
    {
        using IModel model = new LlamaFamily().Load(ModelSource.Open(path), new ModelLoadOptions { Adapters = adapters ?? [] });
        using IBackend cpu = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
        using var engine = new InferenceEngine(model, [cpu], new EngineOptions { MaxSequences = 1 });
        return [.. engine.GenerateGreedy(model.Tokenizer.Encode(prompt), tokens, out _)];
    }
}
