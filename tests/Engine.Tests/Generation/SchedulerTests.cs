using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Engine.Tests.Support;

namespace LlmFramework.Engine.Tests.Generation;

/// <summary>Continuous batching under pressure: prefix caching, preemption, policies, the queue limit, logprobs and metrics.</summary>
public sealed class SchedulerTests
{
    private static async Task<List<GenerationChunk>> Run(InferenceEngine engine, GenerationRequest request, CancellationToken ct = default)
    {
        var chunks = new List<GenerationChunk>();
        await foreach (GenerationChunk c in engine.GenerateAsync(request, ct))
        {
            chunks.Add(c);
        }

        return chunks;
    }

    private static GenerationRequest Greedy(TinyModel model, string prompt, int maxTokens) => new()
    {
        PromptTokens = model.Tokenizer.Encode(prompt),
        MaxTokens = maxTokens,
        IgnoreEos = true,
        Sampling = SamplingOptions.Greedy,
    };

    private static int[] Tokens(List<GenerationChunk> chunks) => [.. chunks.Where(c => c.TokenId >= 0).Select(c => c.TokenId)];

    [Fact]
    public async Task A_shared_prompt_prefix_is_served_from_the_cache_and_gives_the_same_tokens()
    {
        using var model = new TinyModel();
        using var cached = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4, PrefixCaching = true });
        using var plain = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4, PrefixCaching = false });
        const string system = "you are a helpful tiny model. ";   // 30 tokens: 7 full blocks
        GenerationRequest first = Greedy(model, system + "hello", 12);
        GenerationRequest second = Greedy(model, system + "good day", 12);

        int[] a1 = Tokens(await Run(cached, first));
        int[] a2 = Tokens(await Run(cached, second));
        Assert.Equal(Tokens(await Run(plain, first)), a1);
        Assert.Equal(Tokens(await Run(plain, second)), a2);

        // The second prompt found the 7 full blocks of the common 30-token prefix (28 tokens).
        Assert.Equal(28, cached.Metrics.PrefixCacheHitTokens);
        Assert.Equal(first.PromptTokens.Count + second.PromptTokens.Count, cached.Metrics.PrefixCacheQueryTokens);
        Assert.Equal(0, plain.Metrics.PrefixCacheHitTokens);
        Assert.Equal(cached.KvCache.Allocator.TotalBlocks, cached.KvCache.Allocator.FreeBlocks);
        Assert.True(cached.KvCache.Allocator.CachedBlocks >= 7);
    }

    [Fact]
    public async Task An_identical_prompt_recomputes_only_its_last_token()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4 });
        GenerationRequest request = Greedy(model, "abcdefghijklmnop", 6); // 16 tokens = 4 full blocks
        int[] first = Tokens(await Run(engine, request));
        int[] again = Tokens(await Run(engine, request));
        Assert.Equal(first, again);
        Assert.Equal(12, engine.Metrics.PrefixCacheHitTokens); // 3 blocks; the 4th holds the last prompt token, which must run
    }

    [Fact]
    public async Task Concurrent_sequences_sharing_a_prefix_hold_the_same_blocks()
    {
        using var model = new TinyModel();
        var backend = new ReferenceBackend();
        using var engine = new InferenceEngine(model, [backend], new EngineOptions { KvBlockSize = 4 });
        await Run(engine, Greedy(model, "the same long prefix, then", 1));
        int usedBefore = engine.KvCache.Allocator.UsedBlocks;
        int maxUsed = 0;
        backend.AfterExecute = _ => maxUsed = Math.Max(maxUsed, engine.KvCache.Allocator.UsedBlocks);
        Task<List<GenerationChunk>>[] runs = [.. Enumerable.Range(0, 4).Select(i => Run(engine, Greedy(model, "the same long prefix, then" + new string((char)('a' + i), 3), 8)))];
        await Task.WhenAll(runs);

        // Four private copies of 6 prefix blocks plus their tails would need well over 32 blocks; shared, about 6 + 4 x 3.
        Assert.Equal(0, usedBefore);
        Assert.InRange(maxUsed, 1, 6 + (4 * 3));
        Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.KvCache.Allocator.FreeBlocks);
    }

    [Fact]
    public async Task Running_out_of_kv_blocks_preempts_and_every_generation_still_completes_unchanged()
    {
        using var model = new TinyModel();
        string[] prompts = ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"];
        var solo = new List<int[]>();
        using (var roomy = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4, PrefixCaching = false }))
        {
            foreach (string p in prompts)
            {
                solo.Add(Tokens(await Run(roomy, Greedy(model, p, 24))));
            }
        }

        // 12 blocks of 4 = 48 slots, while four sequences of ~35 tokens need ~36 blocks together.
        using var tight = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4, KvCacheTokens = 48, MaxSequences = 4 });
        List<GenerationChunk>[] results = await Task.WhenAll(prompts.Select(p => Run(tight, Greedy(model, p, 24))));
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(FinishReason.Length, results[i][^1].FinishReason);
            Assert.Equal(solo[i], Tokens(results[i]));
        }

        Assert.True(tight.Metrics.Preemptions > 0, "expected preemptions in a cache this small");
        Assert.Equal(0, tight.Metrics.RequestsFailed);
        Assert.Equal(tight.KvCache.Allocator.TotalBlocks, tight.KvCache.Allocator.FreeBlocks);
    }

    [Fact]
    public async Task A_sequence_longer_than_the_whole_cache_fails_with_a_clear_error()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4, KvCacheTokens = 16 });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Run(engine, Greedy(model, "abcdefghij", 20)));
        Assert.Contains("KV cache exhausted", error.Message, StringComparison.Ordinal);
        Assert.Contains("KvCacheTokens", error.Message, StringComparison.Ordinal);
        Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.KvCache.Allocator.FreeBlocks);
    }

    [Theory]
    [InlineData(SchedulingPolicy.Priority, new[] { 0, 2, 1 })]
    [InlineData(SchedulingPolicy.FirstComeFirstServed, new[] { 0, 1, 2 })]
    public async Task Waiting_requests_start_in_policy_order(SchedulingPolicy policy, int[] expectedOrder)
    {
        using var model = new TinyModel();
        var backend = new ReferenceBackend();
        using var gate = new ManualResetEventSlim(false);
        backend.AfterExecute = _ => gate.Wait(TimeSpan.FromSeconds(30));
        using var engine = new InferenceEngine(model, [backend], new EngineOptions { MaxSequences = 1, SchedulingPolicy = policy });

        // The order in which sequences first run, read off the steps (sequence ids follow submission order).
        var firstRun = new List<int>();
        backend.BeforeExecute = context =>
        {
            foreach (var slice in context.Batch.Sequences)
            {
                if (!firstRun.Contains(slice.SequenceId))
                {
                    firstRun.Add(slice.SequenceId);
                }
            }
        };

        Task<List<GenerationChunk>> first = Run(engine, Greedy(model, "abc", 4) with { Priority = 9 });
        await WaitUntil(() => engine.ActiveGenerations > 0);
        Task<List<GenerationChunk>> low = Run(engine, Greedy(model, "abc", 4) with { Priority = 5 });
        Task<List<GenerationChunk>> high = Run(engine, Greedy(model, "abc", 4) with { Priority = 0 });
        await WaitUntil(() => engine.Metrics.QueuedRequests == 2);
        gate.Set();
        await Task.WhenAll(first, low, high);
        Assert.Equal(3, firstRun.Count);
        List<int> submitted = [.. firstRun.Order()];
        Assert.Equal(expectedOrder, firstRun.Select(id => submitted.IndexOf(id)).ToArray()); // as submission indices
    }

    [Fact]
    public async Task A_full_queue_refuses_with_a_clear_error_and_a_cancelled_waiter_never_runs()
    {
        using var model = new TinyModel();
        var backend = new ReferenceBackend();
        using var gate = new ManualResetEventSlim(false);
        backend.AfterExecute = _ => gate.Wait(TimeSpan.FromSeconds(30));
        using var engine = new InferenceEngine(model, [backend], new EngineOptions { MaxSequences = 1, MaxQueuedRequests = 1 });
        Task<List<GenerationChunk>> running = Run(engine, Greedy(model, "abc", 3));
        await WaitUntil(() => engine.ActiveGenerations == 1);
        using var cancelWaiter = new CancellationTokenSource();
        Task<List<GenerationChunk>> waiting = Run(engine, Greedy(model, "def", 3), cancelWaiter.Token);
        var refused = Assert.Throws<EngineQueueFullException>(() => engine.GenerateAsync(Greedy(model, "ghi", 3)));
        Assert.Contains("MaxQueuedRequests", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, refused.Limit);
        Assert.Equal(1, engine.Metrics.RequestsRejected);

        cancelWaiter.Cancel();
        gate.Set();
        Assert.Equal(FinishReason.Length, (await running)[^1].FinishReason);
        List<GenerationChunk> cancelled = await waiting;
        Assert.Single(cancelled);
        Assert.Equal(FinishReason.Cancelled, cancelled[0].FinishReason);
        Assert.Equal(0, cancelled[0].CompletionTokens);

        // The slot is free again.
        Assert.Equal(FinishReason.Length, (await Run(engine, Greedy(model, "ghi", 3)))[^1].FinishReason);
    }

    [Fact]
    public async Task Logprobs_are_the_log_softmax_of_the_raw_logits_with_the_top_tokens_sorted()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        GenerationRequest request = Greedy(model, "hello there", 5) with { Logprobs = true, TopLogprobs = 4 };
        List<GenerationChunk> chunks = await Run(engine, request);
        float[] logits = engine.GetLogits(request.PromptTokens.ToArray());
        double max = logits.Max();
        double logZ = max + Math.Log(logits.Sum(v => Math.Exp(v - max)));
        TokenLogprobs first = chunks[0].Logprobs!;
        Assert.Equal(chunks[0].TokenId, first.TokenId);
        Assert.Equal(logits[first.TokenId] - logZ, first.Logprob, 1e-4);
        foreach (GenerationChunk c in chunks)
        {
            TokenLogprobs lp = c.Logprobs!;
            Assert.Equal(4, lp.Top.Count);
            Assert.Equal(c.TokenId, lp.Top[0].TokenId); // greedy picks the most likely token
            Assert.Equal(lp.Logprob, lp.Top[0].Logprob);
            for (int i = 1; i < lp.Top.Count; i++)
            {
                Assert.True(lp.Top[i - 1].Logprob >= lp.Top[i].Logprob);
            }

            Assert.InRange(lp.Top.Sum(t => Math.Exp(t.Logprob)), 0, 1 + 1e-5);
        }

        Assert.All(await Run(engine, Greedy(model, "hello there", 2)), c => Assert.Null(c.Logprobs));
        Assert.Contains("top_logprobs", Assert.Throws<ArgumentException>(() => engine.GenerateAsync(request with { TopLogprobs = 21 })).Message, StringComparison.Ordinal);
        Assert.Contains("logprobs", Assert.Throws<ArgumentException>(() => engine.GenerateAsync(request with { Logprobs = false })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_count_tokens_latencies_and_return_to_idle()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Run(engine, Greedy(model, "metrics " + (char)('a' + i), 5))));

        // The gauges are published right after the step that ended the last generation.
        await WaitUntil(() => engine.Metrics.RunningSequences == 0);
        EngineMetricsSnapshot(engine);
        Assert.Equal(15, engine.Metrics.GeneratedTokens);
        Assert.Equal(3, engine.Metrics.TimeToFirstToken.Count);
        Assert.Equal(12, engine.Metrics.TimePerOutputToken.Count);
        Assert.Equal(3, engine.Metrics.RequestsFinished);
        Assert.Equal(3, engine.Metrics.RequestLatency.CumulativeCounts()[^1]);
        Assert.Equal(0, engine.Metrics.RunningSequences);
        Assert.Equal(0, engine.Metrics.QueuedRequests);
        Assert.Equal(0, engine.Metrics.KvBlocksUsed);
        Assert.True(engine.Metrics.Steps >= 5);
    }

    [Fact]
    public void A_new_engine_reports_its_whole_cache_as_free()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4, KvCacheTokens = 40 });
        Assert.Equal(10, engine.Metrics.KvBlocksTotal);
        Assert.Equal(10, engine.Metrics.KvBlocksFree);
        Assert.Equal(0, engine.Metrics.KvBlocksUsed);
    }

    private static void EngineMetricsSnapshot(InferenceEngine engine) => Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.Metrics.KvBlocksTotal);

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the engine");
            await Task.Delay(5);
        }
    }
}
