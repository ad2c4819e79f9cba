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
}
