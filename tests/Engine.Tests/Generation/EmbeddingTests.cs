using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Engine.Tests.Support;

namespace LlmFramework.Engine.Tests.Generation;

public sealed class EmbeddingTests
{
    [Fact]
    public void An_embedding_is_a_unit_vector_of_the_hidden_size_that_chunking_does_not_change()
    {
        using var model = new TinyModel();
        using var whole = new InferenceEngine(model, [new ReferenceBackend()]);
        using var chunked = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { MaxBatchTokens = 3 });
        int[] tokens = model.Tokenizer.Encode("an embedding of a short text");
        float[] a = whole.Embed(tokens);
        float[] b = chunked.Embed(tokens);
        Assert.Equal(16, whole.EmbeddingSize);
        Assert.Equal(16, a.Length);
        Assert.Equal(1.0, Math.Sqrt(a.Sum(v => (double)v * v)), 1e-5);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i], b[i], 1e-5f);
        }

        float[] other = whole.Embed(model.Tokenizer.Encode("something else entirely"));
        Assert.True(a.Zip(other).Sum(p => p.First * p.Second) < 0.9999, "different texts must embed differently");
        Assert.Equal(whole.KvCache.Allocator.TotalBlocks, whole.KvCache.Allocator.FreeBlocks);
    }

    [Fact]
    public void Embeddings_are_deterministic_and_bad_input_is_named()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        int[] tokens = model.Tokenizer.Encode("abc");
        float[] single = engine.Embed(tokens.AsSpan(0, 1));
        float[] again = engine.Embed(tokens.AsSpan(0, 1));
        Assert.Equal(single, again);
        Assert.Throws<ArgumentException>(() => engine.Embed([]));
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => engine.Embed([999])).Message, StringComparison.Ordinal);
        Assert.Contains("context length", Assert.Throws<ArgumentException>(() => engine.Embed(new int[300])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_embedding_waits_for_blocks_held_by_generations_instead_of_failing_either()
    {
        using var model = new TinyModel();
        int[] text = model.Tokenizer.Encode("sixteen tokens!!");
        float[] expected;
        using (var idle = new InferenceEngine(model, [new ReferenceBackend()]))
        {
            expected = idle.Embed(text);
        }

        // 12 blocks of 4: the generation (10 + 30 tokens) holds 10 of them, the embedding needs 4.
        var backend = new ReferenceBackend();
        using var gate = new ManualResetEventSlim(false);
        backend.AfterExecute = _ =>
        {
            if (Thread.CurrentThread.Name == "llmf-engine-steps")
            {
                gate.Wait(TimeSpan.FromSeconds(30));
            }
        };
        using var engine = new InferenceEngine(model, [backend], new EngineOptions { KvBlockSize = 4, KvCacheTokens = 48 });
        var generation = Task.Run(async () =>
        {
            var chunks = new List<GenerationChunk>();
            await foreach (GenerationChunk c in engine.GenerateAsync(new GenerationRequest { PromptTokens = model.Tokenizer.Encode("abcdefghij"), MaxTokens = 30, IgnoreEos = true, Sampling = SamplingOptions.Greedy }))
            {
                chunks.Add(c);
            }

            return chunks;
        });
        DateTime until = DateTime.UtcNow.AddSeconds(30);
        while (engine.KvCache.Allocator.UsedBlocks < 3)
        {
            Assert.True(DateTime.UtcNow < until, "the generation did not start");
            await Task.Delay(5);
        }

        // Let the generation grow to its full size while the embedding waits for room.
        Task<float[]> embedding = Task.Run(() => engine.Embed(text));
        gate.Set();
        List<GenerationChunk> generated = await generation;
        float[] actual = await embedding;
        Assert.Equal(FinishReason.Length, generated[^1].FinishReason);
        Assert.Equal(30, generated[^1].CompletionTokens);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }

        Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.KvCache.Allocator.FreeBlocks);
    }

    [Fact]
    public void An_embedding_larger_than_the_whole_cache_fails_at_once_with_a_clear_error()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 4, KvCacheTokens = 8 });
        var error = Assert.Throws<InvalidOperationException>(() => engine.Embed(model.Tokenizer.Encode("more than eight tokens")));
        Assert.Contains("no generation is running", error.Message, StringComparison.Ordinal);
        Assert.Contains("KvCacheTokens", error.Message, StringComparison.Ordinal);
    }
}
