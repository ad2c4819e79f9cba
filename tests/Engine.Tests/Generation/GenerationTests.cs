using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Engine.Tests.Support;

namespace LlmFramework.Engine.Tests.Generation;

public sealed class GenerationTests
{
    private static async Task<(string Text, List<GenerationChunk> Chunks)> Run(InferenceEngine engine, GenerationRequest request, CancellationToken ct = default)
    {
        var chunks = new List<GenerationChunk>();
        await foreach (GenerationChunk c in engine.GenerateAsync(request, ct))
        {
            chunks.Add(c);
        }

        return (string.Concat(chunks.Select(c => c.Text)), chunks);
    }

    [Fact]
    public async Task Max_tokens_ends_with_length_and_counts_tokens()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        (string text, List<GenerationChunk> chunks) = await Run(engine, new GenerationRequest { PromptTokens = model.Tokenizer.Encode("abc"), MaxTokens = 9, IgnoreEos = true, Sampling = new SamplingOptions { Seed = 3, Temperature = 1 } });
        Assert.Equal(9, chunks.Count);
        Assert.Equal(FinishReason.Length, chunks[^1].FinishReason);
        Assert.All(chunks.SkipLast(1), c => Assert.Null(c.FinishReason));
        Assert.Equal(9, chunks[^1].CompletionTokens);
        Assert.Equal(3, chunks[^1].PromptTokens);
        Assert.Equal(model.Tokenizer.Decode(chunks.Select(c => c.TokenId).ToArray()), text);
    }

    [Fact]
    public async Task Same_seed_same_text_and_different_seed_different_text()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        GenerationRequest Request(ulong seed) => new() { PromptTokens = model.Tokenizer.Encode("once"), MaxTokens = 24, IgnoreEos = true, Sampling = new SamplingOptions { Seed = seed, Temperature = 1.5f, TopK = 0, TopP = 1, MinP = 0 } };
        string a = (await Run(engine, Request(11))).Text;
        string b = (await Run(engine, Request(11))).Text;
        string c = (await Run(engine, Request(12))).Text;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task A_stop_string_ends_generation_and_is_not_emitted()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        var free = new GenerationRequest { PromptTokens = model.Tokenizer.Encode("abc"), MaxTokens = 30, IgnoreEos = true, Sampling = SamplingOptions.Greedy };
        string full = (await Run(engine, free)).Text;
        string stop = full.Substring(5, 2);
        int cut = full.IndexOf(stop, StringComparison.Ordinal);
        (string text, List<GenerationChunk> chunks) = await Run(engine, free with { StopStrings = [stop] });
        Assert.Equal(full[..cut], text);
        Assert.Equal(FinishReason.Stop, chunks[^1].FinishReason);
    }

    [Fact]
    public async Task A_stop_token_ends_generation()
    {
        using var model = new TinyModel();
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        var free = new GenerationRequest { PromptTokens = model.Tokenizer.Encode("abc"), MaxTokens = 20, IgnoreEos = true, Sampling = SamplingOptions.Greedy };
        List<GenerationChunk> all = (await Run(engine, free)).Chunks;
        int stopToken = all[4].TokenId;
        int first = all.FindIndex(c => c.TokenId == stopToken);
        List<GenerationChunk> stopped = (await Run(engine, free with { StopTokenIds = [stopToken] })).Chunks;
        Assert.Equal(first + 1, stopped.Count);
        Assert.Equal(FinishReason.Stop, stopped[^1].FinishReason);
    }

    [Fact]
    public async Task Cancellation_ends_generation_and_frees_its_blocks()
    {
        using var model = new TinyModel();
        using var cts = new CancellationTokenSource();

        // Cancel from inside the 10th step, so the outcome does not depend on how fast the consumer reads.
        var backend = new ReferenceBackend();
        using var engine = new InferenceEngine(model, [backend], new EngineOptions { KvBlockSize = 2 });
        backend.AfterExecute = calls =>
        {
            if (calls == 10)
            {
                cts.Cancel();
            }
        };
        var chunks = new List<GenerationChunk>();
        await foreach (GenerationChunk c in engine.GenerateAsync(new GenerationRequest { PromptTokens = model.Tokenizer.Encode("abc"), MaxTokens = 200, IgnoreEos = true, Sampling = SamplingOptions.Greedy }, cts.Token))
        {
            chunks.Add(c);
        }

        // One prefill step and nine decode steps gave ten tokens; the next step is never run.
        Assert.Equal(11, chunks.Count);
        Assert.Equal(FinishReason.Cancelled, chunks[^1].FinishReason);
        Assert.Equal(-1, chunks[^1].TokenId);
        Assert.Equal(10, backend.ExecuteCalls);
        Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.KvCache.Allocator.FreeBlocks);
    }

    [Fact]
    public void Bad_requests_name_the_field()
    {
        using var model = new TinyModel(contextLength: 16);
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => engine.GenerateAsync(new GenerationRequest { PromptTokens = [] })).Message, StringComparison.Ordinal);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => engine.GenerateAsync(new GenerationRequest { PromptTokens = [999] })).Message, StringComparison.Ordinal);
        Assert.Contains("max_tokens", Assert.Throws<ArgumentException>(() => engine.GenerateAsync(new GenerationRequest { PromptTokens = [1], MaxTokens = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("context length", Assert.Throws<ArgumentException>(() => engine.GenerateAsync(new GenerationRequest { PromptTokens = new int[16] })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generation_stops_at_the_context_length()
    {
        using var model = new TinyModel(contextLength: 12);
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        List<GenerationChunk> chunks = (await Run(engine, new GenerationRequest { PromptTokens = model.Tokenizer.Encode("abcd"), MaxTokens = 100, IgnoreEos = true, Sampling = SamplingOptions.Greedy })).Chunks;
        Assert.Equal(FinishReason.ContextFull, chunks[^1].FinishReason);
        Assert.Equal(8, chunks[^1].CompletionTokens);
    }
}
