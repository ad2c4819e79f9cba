using System.Diagnostics;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Models.Llama;

namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>
/// LlmFramework's InferenceEngine on the CPU backend, serving concurrent <see cref="InferenceEngine.GenerateAsync"/>
/// calls with continuous batching (one engine for every concurrency level, room for the largest).
/// </summary>
internal sealed class OurServingEngine : IServingEngine
{
    private readonly IModel _model;
    private readonly IBackend _backend;
    private readonly InferenceEngine _engine;

    public OurServingEngine(string ggufPath, int maxStreams, int contextLength, int maxBatchTokens, int threads)
    {
        _model = new LlamaFamily().Load(ModelSource.Open(ggufPath), new ModelLoadOptions { ContextLength = contextLength });
        _backend = new CpuBackendFactory().Create(new BackendOptions { Threads = threads });
        Options = new EngineOptions
        {
            Threads = threads,
            MaxSequences = maxStreams,
            MaxBatchTokens = maxBatchTokens,
            ContextLength = contextLength,
            KvCacheTokens = maxStreams * contextLength,
        };
        _engine = new InferenceEngine(_model, [_backend], Options, logger: null);
    }

    public string Name => "LlmFramework";

    public EngineOptions Options { get; }

    public int VocabSize => _engine.VocabSize;

    public RunTimings Run(IReadOnlyList<int[]> prompts, int genTokens)
    {
        var streams = prompts.Select(_ => new StreamTimings(genTokens)).ToArray();
        long hitsBefore = _engine.Metrics.PrefixCacheHitTokens;
        long stepsBefore = _engine.Metrics.Steps;
        var tasks = new Task[prompts.Count];
        long start = Stopwatch.GetTimestamp();
        for (int s = 0; s < prompts.Count; s++)
        {
            var request = new GenerationRequest
            {
                PromptTokens = prompts[s],
                Sampling = SamplingOptions.Greedy,
                MaxTokens = genTokens,
                IgnoreEos = true,
            };
            streams[s].SubmittedAt = Stopwatch.GetTimestamp();
            tasks[s] = Consume(_engine.GenerateAsync(request), streams[s]);
        }

        Task.WaitAll(tasks);
        return new RunTimings(start, streams)
        {
            PrefixCacheHitTokens = _engine.Metrics.PrefixCacheHitTokens - hitsBefore,
            Steps = _engine.Metrics.Steps - stepsBefore,
        };
    }

    private static async Task Consume(IAsyncEnumerable<GenerationChunk> chunks, StreamTimings timings)
    {
        await foreach (GenerationChunk chunk in chunks.ConfigureAwait(false))
        {
            if (chunk.TokenId >= 0)
            {
                timings.RecordToken(Stopwatch.GetTimestamp());
            }

            if (chunk.FinishReason is FinishReason reason && reason != FinishReason.Length)
            {
                throw new InvalidOperationException($"a stream ended with {reason} before its {timings.TokenCount} tokens reached the length limit");
            }
        }
    }

    public void Dispose()
    {
        _engine.Dispose();
        _backend.Dispose();
        _model.Dispose();
    }
}
