using System.Diagnostics;
using System.Runtime.Intrinsics;
using LLama;
using LLama.Batched;
using LLama.Common;
using LLama.Native;
using LlmFramework.Parity.Tests;

namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>
/// llama.cpp through LLamaSharp's <see cref="BatchedExecutor"/>: one <see cref="Conversation"/> per stream, every
/// prompt queued at once, then <see cref="BatchedExecutor.Infer"/> until all are done, each step sampling (argmax) every
/// conversation that has logits and prompting its token back. llama.cpp's defaults otherwise (F16 KV cache, flash
/// attention auto), weights read into memory (no mmap), CPU only.
/// </summary>
internal sealed class LlamaCppBatchedEngine : IServingEngine
{
    private readonly LLamaWeights _weights;
    private readonly int _contextPerStream;
    private readonly int _batchTokens;
    private readonly int _threads;
    private readonly bool _unifiedKv;
    private readonly string _path;

    public LlamaCppBatchedEngine(string ggufPath, int contextPerStream, int batchTokens, int threads, bool unifiedKv)
    {
        LlamaCppReference.EnsureNativeInitialised();
        _path = ggufPath;
        _contextPerStream = contextPerStream;
        _batchTokens = batchTokens;
        _threads = threads;
        _unifiedKv = unifiedKv;
        _weights = LLamaWeights.LoadFromFile(Parameters(1));
    }

    public string Name => "llama.cpp";

    public int VocabSize => _weights.Vocab.Count;

    public RunTimings Run(IReadOnlyList<int[]> prompts, int genTokens)
    {
        // A fresh executor per run: its sequence ids only grow, and SeqMax bounds them.
        using var executor = new BatchedExecutor(_weights, Parameters(prompts.Count));
        var streams = prompts.Select(_ => new StreamTimings(genTokens)).ToArray();
        var conversations = new Conversation[prompts.Count];
        var promptTokens = prompts.Select(p => p.Select(id => (LLamaToken)id).ToArray()).ToArray();
        int remaining = prompts.Count;
        long steps = 0;
        try
        {
            long start = Stopwatch.GetTimestamp();
            for (int s = 0; s < prompts.Count; s++)
            {
                streams[s].SubmittedAt = Stopwatch.GetTimestamp();
                conversations[s] = executor.Create();
                conversations[s].Prompt(promptTokens[s]);
            }

            while (remaining > 0)
            {
                DecodeResult result = executor.Infer().GetAwaiter().GetResult();
                if (result != DecodeResult.Ok)
                {
                    throw new InvalidOperationException($"llama_decode failed with {result} on '{_path}' ({prompts.Count} streams). {LlamaCppReference.RecentErrors()}");
                }

                steps++;
                for (int s = 0; s < conversations.Length; s++)
                {
                    Conversation conversation = conversations[s];
                    StreamTimings timings = streams[s];
                    if (timings.TokenCount == genTokens || !conversation.RequiresSampling)
                    {
                        continue;
                    }

                    int token = ArgMax(conversation.Sample());
                    timings.RecordToken(Stopwatch.GetTimestamp());
                    if (timings.TokenCount == genTokens)
                    {
                        remaining--;
                    }
                    else
                    {
                        conversation.Prompt((LLamaToken)token);
                    }
                }
            }

            return new RunTimings(start, streams) { Steps = steps };
        }
        finally
        {
            foreach (Conversation? conversation in conversations)
            {
                conversation?.Dispose();
            }
        }
    }

    public void Dispose() => _weights.Dispose();

    private ModelParams Parameters(int streams) => new(_path)
    {
        ContextSize = (uint)(_contextPerStream * streams),
        BatchSize = (uint)_batchTokens,
        UBatchSize = (uint)_batchTokens,
        SeqMax = (uint)streams,
        KVUnified = _unifiedKv,
        Threads = _threads,
        BatchThreads = _threads,
        GpuLayerCount = 0,
        LoadMode = LLamaLoadMode.None,
        Embeddings = false,
    };

    /// <summary>The first index of the largest logit, as a greedy sampler picks it (vectorised like our engine's).</summary>
    private static int ArgMax(ReadOnlySpan<float> logits)
    {
        int width = Vector512<float>.Count;
        int i = 0;
        var best = Vector512.Create(float.NegativeInfinity);
        for (; i <= logits.Length - width; i += width)
        {
            best = Vector512.Max(best, Vector512.Create(logits.Slice(i, width)));
        }

        float max = float.NegativeInfinity;
        for (int lane = 0; lane < width; lane++)
        {
            max = Math.Max(max, best[lane]);
        }

        for (; i < logits.Length; i++)
        {
            max = Math.Max(max, logits[i]);
        }

        int index = logits.IndexOf(max);
        return index >= 0 ? index : throw new InvalidOperationException("llama.cpp produced NaN logits");
    }
}
