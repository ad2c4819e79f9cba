using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Models.Llama;

namespace LlmFramework.Benchmarks.DecodeVsLlamaCpp;

/// <summary>LlmFramework's InferenceEngine on the CPU backend.</summary>
internal sealed class OurEngineRunner : IEngineBench
{
    private readonly int[] _prompt;
    private readonly int _genTokens;
    private readonly IModel _model;
    private readonly IBackend _backend;
    private readonly InferenceEngine _engine;

    public OurEngineRunner(string ggufPath, int[] prompt, int genTokens, int threads)
    {
        _prompt = prompt;
        _genTokens = genTokens;
        int context = prompt.Length + genTokens + 1;
        _model = new LlamaFamily().Load(ModelSource.Open(ggufPath), new ModelLoadOptions { ContextLength = context });
        _backend = new CpuBackendFactory().Create(new BackendOptions { Threads = threads });
        var options = new EngineOptions { Threads = threads, MaxSequences = 1, ContextLength = context };
        _engine = new InferenceEngine(_model, [_backend], options, logger: null);
    }

    public string Name => "LlmFramework";

    public (double PrefillTps, double DecodeTps) RunOnce()
    {
        // GenerateGreedy(n) runs n - 1 single-token steps after the prompt: ask for genTokens + 1 so both engines
        // time genTokens decode steps.
        _engine.GenerateGreedy(_prompt, _genTokens + 1, out GenerationStats stats);
        return (stats.PrefillTokensPerSecond, stats.DecodeTokensPerSecond);
    }

    public int[] GreedyTokens(int count) => _engine.GenerateGreedy(_prompt, count, out _).ToArray();

    public void Dispose()
    {
        _engine.Dispose();
        _backend.Dispose();
        _model.Dispose();
    }
}
