using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

public sealed class SamplerAllocationTests
{
    private const int Vocab = 128_256;

    public static TheoryData<string, SamplingOptions> Configurations => new()
    {
        { "greedy", SamplingOptions.Greedy },
        { "defaults", new SamplingOptions { Seed = 1 } },
        { "top-p only", new SamplingOptions { Seed = 1, TopK = 0, MinP = 0f, TopP = 0.9f } },
        { "min-p only", new SamplingOptions { Seed = 1, TopK = 0, TopP = 1f, MinP = 0.05f } },
        { "untruncated", new SamplingOptions { Seed = 1, TopK = 0, TopP = 1f, MinP = 0f } },
        { "penalties", new SamplingOptions { Seed = 1, RepetitionPenalty = 1.1f, PresencePenalty = 0.5f, FrequencyPenalty = 0.5f } },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Sampling_a_128k_row_allocates_nothing_per_token(string name, SamplingOptions options)
    {
        var random = new Random(11);
        float[] logits = [.. Enumerable.Range(0, Vocab).Select(_ => (float)(random.NextDouble() * 12))];
        int[] history = [.. Enumerable.Range(0, 300).Select(_ => random.Next(Vocab))];
        var sampler = new Sampler(options, Vocab);
        for (int i = 0; i < 5; i++)
        {
            sampler.Sample(logits, history);
            _ = sampler.LastLogProbability;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            sampler.Sample(logits, history);
            _ = sampler.LastLogProbability;
        }

        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before == 0, $"{name}: sampling allocated");
    }
}
