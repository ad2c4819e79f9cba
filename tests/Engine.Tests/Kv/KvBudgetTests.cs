using LlmFramework.Engine.Tests.Support;

namespace LlmFramework.Engine.Tests.Kv;

public sealed class KvBudgetTests
{
    [Fact]
    public void A_memory_budget_sizes_the_block_pool()
    {
        using var model = new TinyModel();
        long bytesPerBlock = 16L * model.KvCacheLayout.BytesPerToken;
        using var engine = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvBlockSize = 16, KvCacheBytes = (10 * bytesPerBlock) + 5 });
        Assert.Equal(10, engine.KvCache.BlockCount);
        Assert.True(engine.KvCache.ReservedBytes <= (10 * bytesPerBlock) + 5);
    }

    [Fact]
    public void A_budget_below_one_block_or_beside_a_token_count_is_refused()
    {
        using var model = new TinyModel();
        Assert.Contains("does not hold one block", Assert.Throws<ArgumentException>(() => new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvCacheBytes = 8 })).Message, StringComparison.Ordinal);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { KvCacheBytes = 1 << 20, KvCacheTokens = 64 })).Message, StringComparison.Ordinal);
    }
}
