using LlmFramework.Abstractions.Backends;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Engine.Tests.Support;

namespace LlmFramework.Engine.Tests.Execution;

public sealed class BatchedStepTests
{
    private static InferenceEngine NewEngine(TinyModel model, EngineOptions? options = null) =>
        new(model, [new ReferenceBackend()], options ?? new EngineOptions { MaxBatchTokens = 64, KvBlockSize = 4 });

    [Fact]
    public void Chunked_prefill_gives_the_logits_of_a_single_step()
    {
        using var model = new TinyModel();
        int[] prompt = model.Tokenizer.Encode("the quick brown fox jumps over the lazy dog");
        using InferenceEngine whole = NewEngine(model, new EngineOptions { MaxBatchTokens = 64, KvBlockSize = 4 });
        using InferenceEngine chunked = NewEngine(model, new EngineOptions { MaxBatchTokens = 5, KvBlockSize = 3 });
        float[] a = whole.GetLogits(prompt);
        float[] b = chunked.GetLogits(prompt);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i], 4);
        }
    }

    [Fact]
    public void Logits_depend_on_earlier_tokens_through_the_cache()
    {
        using var model = new TinyModel();
        using InferenceEngine engine = NewEngine(model);
        float[] a = engine.GetLogits(model.Tokenizer.Encode("abc"));
        float[] b = engine.GetLogits(model.Tokenizer.Encode("xbc"));
        Assert.True(a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public async Task Concurrent_generations_batched_together_match_each_run_alone()
    {
        using var model = new TinyModel();
        string[] prompts = ["hello there", "a", "the rain in spain falls mainly", "zz top"];
        using InferenceEngine engine = NewEngine(model, new EngineOptions { MaxBatchTokens = 8, KvBlockSize = 4, MaxSequences = 4 });
        var alone = prompts.Select(p => engine.GenerateGreedy(model.Tokenizer.Encode(p), 12, out _).ToArray()).ToArray();

        long stepsBefore = engine.StepCount;
        Task<int[]>[] runs = prompts.Select(p => Collect(engine, model.Tokenizer.Encode(p), 12)).ToArray();
        int[][] together = await Task.WhenAll(runs);
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(alone[i], together[i]);
        }

        // Batched: far fewer steps than running the four one after another.
        long sequentialSteps = prompts.Sum(p => (long)Math.Ceiling(model.Tokenizer.Encode(p).Length / 8.0) + 11);
        Assert.True(engine.StepCount - stepsBefore < sequentialSteps, $"{engine.StepCount - stepsBefore} steps, sequential would be {sequentialSteps}");
        Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.KvCache.Allocator.FreeBlocks);
    }

    [Fact]
    public void Greedy_generation_frees_its_blocks()
    {
        using var model = new TinyModel();
        using InferenceEngine engine = NewEngine(model);
        engine.GenerateGreedy(model.Tokenizer.Encode("abcdefg"), 20, out GenerationStats stats);
        Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.KvCache.Allocator.FreeBlocks);
        Assert.Equal(7, stats.PrefillTokens);
        Assert.Equal(19, stats.DecodeTokens);
    }

    [Fact]
    public void Partitioner_falls_back_to_the_last_backend_for_unsupported_ops()
    {
        using var model = new TinyModel();
        var partial = new ReferenceBackend("partial", [Abstractions.Graph.OpKind.MatMul]);
        var fallback = new ReferenceBackend("fallback");
        using var engine = new InferenceEngine(model, [partial, fallback]);
        Assert.All(engine.Partitions, p => Assert.Equal(p.Backend == partial, p.Nodes.All(n => n.Op == Abstractions.Graph.OpKind.MatMul)));
        engine.GetLogits(model.Tokenizer.Encode("abc"));
        Assert.True(partial.ExecutedNodes > 0);
        Assert.True(fallback.ExecutedNodes > 0);
    }

    [Fact]
    public void A_node_no_backend_supports_is_an_error_naming_the_node_and_reasons()
    {
        using var model = new TinyModel();
        var partial = new ReferenceBackend("partial", [Abstractions.Graph.OpKind.MatMul]);
        var ex = Assert.Throws<NotSupportedException>(() => new InferenceEngine(model, [partial]));
        Assert.Contains("GetRows", ex.Message, StringComparison.Ordinal);
        Assert.Contains("partial does not implement GetRows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Swapping_backends_mid_generation_keeps_the_result()
    {
        using var model = new TinyModel();
        var first = new ReferenceBackend("first");
        using var engine = new InferenceEngine(model, [first], new EngineOptions { MaxBatchTokens = 16, KvBlockSize = 4 });
        int[] prompt = model.Tokenizer.Encode("swap me");
        int[] expected = engine.GenerateGreedy(prompt, 30, out _).ToArray();

        var second = new ReferenceBackend("second");
        var tokens = new List<int>();
        IReadOnlyList<IBackend>? replaced = null;
        var swapRequested = new ManualResetEventSlim();
        long callsAtRequest = first.ExecuteCalls + 10;

        // Ask for the swap from another thread while a step runs: it must wait for the step boundary.
        var swapper = new Thread(() =>
        {
            swapRequested.Wait();
            engine.SwapBackends([second], old => replaced = old);
        });
        swapper.Start();
        first.AfterExecute = calls =>
        {
            if (calls == callsAtRequest)
            {
                swapRequested.Set();
            }

            Thread.Sleep(5); // slow steps, so the swap lands well before the generation ends
        };
        await foreach (GenerationChunk chunk in engine.GenerateAsync(new GenerationRequest { PromptTokens = prompt, MaxTokens = 30, Sampling = SamplingOptions.Greedy, IgnoreEos = true }))
        {
            tokens.Add(chunk.TokenId);
        }

        Assert.True(swapper.Join(TimeSpan.FromSeconds(30)));
        Assert.Equal(expected, tokens);
        Assert.True(first.ExecuteCalls < callsAtRequest + 25, "the first backend kept running long after the swap");
        Assert.Same(first, Assert.Single(replaced!));
        Assert.True(second.ExecutedNodes > 0, $"first {first.ExecuteCalls} calls, request at {callsAtRequest}, second {second.ExecuteCalls}");
        Assert.Same(second, Assert.Single(engine.Backends));
    }

    [Fact]
    public void A_swap_to_backends_that_cannot_run_the_graph_keeps_the_old_ones()
    {
        using var model = new TinyModel();
        var first = new ReferenceBackend("first");
        using var engine = new InferenceEngine(model, [first]);
        Exception? failure = null;
        engine.SwapBackends([new ReferenceBackend("matmul-only", [Abstractions.Graph.OpKind.MatMul])], onFailed: ex => failure = ex);
        Assert.IsType<NotSupportedException>(failure);
        Assert.Same(first, Assert.Single(engine.Backends));
        Assert.Equal(model.Tokenizer.VocabSize, engine.GetLogits([1, 2, 3]).Length);
    }

    private static async Task<int[]> Collect(InferenceEngine engine, int[] prompt, int n)
    {
        var ids = new List<int>();
        await foreach (GenerationChunk chunk in engine.GenerateAsync(new GenerationRequest { PromptTokens = prompt, MaxTokens = n, Sampling = SamplingOptions.Greedy, IgnoreEos = true }))
        {
            ids.Add(chunk.TokenId);
        }

        return ids.ToArray();
    }
}
