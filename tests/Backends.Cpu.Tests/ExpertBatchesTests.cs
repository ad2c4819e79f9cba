using LlmFramework.Backends.Cpu.Ops;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>The per-expert regrouping of a step's routes that <see cref="ExpertMatMulKernel"/> runs on.</summary>
public sealed class ExpertBatchesTests
{
    [Fact]
    public void Expert_batches_hold_every_choice_once_grouped_by_expert_with_tokens_in_order()
    {
        var batches = new ExpertBatches();
        // 4 tokens, 2 slots: ids (3, 1), (1, 4), (3, 0), (1, 3), each followed by two weights.
        float[] routes = [3, 1, 0.1f, 0.2f, 1, 4, 0.3f, 0.4f, 3, 0, 0.5f, 0.6f, 1, 3, 0.7f, 0.8f];
        batches.Build(routes, tokens: 4, experts: 5, expertsPerToken: 2);
        Assert.Equal([1, 3, 0, 3, 1], Enumerable.Range(0, 5).Select(batches.CountOf).ToArray());
        Assert.Equal([1, 2, 6], batches.EntriesOf(1).ToArray());   // expert 1: token 0 slot 1, token 1 slot 0, token 3 slot 0
        Assert.Equal([0, 4, 7], batches.EntriesOf(3).ToArray());   // expert 3: token 0 slot 0, token 2 slot 0, token 3 slot 1
        Assert.Empty(batches.EntriesOf(2).ToArray());
        Assert.Equal(3, batches.LargestBatch);
    }

    [Fact]
    public void Buffers_grow_for_a_larger_step_and_more_experts()
    {
        var batches = new ExpertBatches();
        batches.Build([0, 1f], tokens: 1, experts: 2, expertsPerToken: 1);
        float[] routes = [.. Enumerable.Range(0, 100).SelectMany(t => new[] { t % 7, (t + 1) % 7, 1f, 1f })];
        batches.Build(routes, tokens: 100, experts: 7, expertsPerToken: 2);
        Assert.Equal(200, Enumerable.Range(0, 7).Sum(batches.CountOf));
        Assert.All(Enumerable.Range(0, 7), e => Assert.True(batches.EntriesOf(e).ToArray().SequenceEqual(batches.EntriesOf(e).ToArray().Order())));
    }

    [Theory]
    [InlineData(9f)]
    [InlineData(-2f)]
    [InlineData(-0.5f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void A_route_that_names_no_expert_is_refused(float id)
    {
        var batches = new ExpertBatches();
        Assert.Throws<ArgumentOutOfRangeException>(() => batches.Build([id, 0, 1f, 1f], tokens: 1, experts: 5, expertsPerToken: 2));
    }

    [Fact]
    public void Slots_routed_to_minus_one_are_in_no_batch()
    {
        var batches = new ExpertBatches();
        // 3 tokens, 2 slots: (-1, 1), (1, -1), (-1, -1): only two pairs are computed here, both by expert 1.
        float[] routes = [-1, 1, 0.1f, 0.2f, 1, -1, 0.3f, 0.4f, -1, -1, 0.5f, 0.6f];
        batches.Build(routes, tokens: 3, experts: 3, expertsPerToken: 2);
        Assert.Equal([0, 2, 0], Enumerable.Range(0, 3).Select(batches.CountOf).ToArray());
        Assert.Equal([1, 2], batches.EntriesOf(1).ToArray());
        Assert.Equal(2, batches.LargestBatch);

        batches.Build([-1, -1, 1f, 1f], tokens: 1, experts: 3, expertsPerToken: 2);
        Assert.Equal(0, batches.LargestBatch);
    }

    [Fact]
    public void Routes_shorter_than_the_step_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ExpertBatches().Build([0, 1, 1f, 1f], tokens: 2, experts: 5, expertsPerToken: 2));
    }
}
