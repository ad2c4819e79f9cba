using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

public sealed class SamplerTruncationTests
{
    // Sorted by probability: id 1 (0.5), id 4 (0.2), id 3 (0.15), id 2 (0.1), id 0 (0.05).
    private static readonly float[] Logits = SamplingMath.LogitsFor(0.05, 0.5, 0.1, 0.15, 0.2);

    public static TheoryData<SamplingOptions, int[]> Cases => new()
    {
        { Options(topK: 2), [1, 4] },
        { Options(topK: 4), [1, 2, 3, 4] },
        { Options(topP: 0.3f), [1] },
        { Options(topP: 0.6f), [1, 4] },
        { Options(topP: 0.8f), [1, 3, 4] },
        { Options(minP: 0.19f), [1, 2, 3, 4] },
        { Options(minP: 0.25f), [1, 3, 4] },
        { Options(minP: 0.35f), [1, 4] },
        { Options(minP: 1f), [1] },
        // top-p sees the softmax renormalised over the top-k: 0.5/0.85 + 0.2/0.85 = 0.82 >= 0.8 already at id 4.
        { Options(topK: 3, topP: 0.8f), [1, 4] },
        // top-p keeps 1, 4, 3, 2 (0.95 >= 0.9); min-p then drops everything below 0.35 * 0.5.
        { Options(topP: 0.9f, minP: 0.35f), [1, 4] },
        { Options(topK: 3, minP: 0.25f), [1, 3, 4] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Truncation_keeps_exactly_the_expected_tokens(SamplingOptions options, int[] expected)
    {
        var sampler = new Sampler(options, Logits.Length);
        Assert.Equal(expected, Support(SamplingMath.Histogram(sampler, Logits, 5000)));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Truncation_ignores_masked_ids_on_both_paths(SamplingOptions options, int[] expected)
    {
        // The same five logits followed by 200 masked ids; top-k (when set) reaches into the masked ones.
        float[] padded = [.. Logits, .. Enumerable.Repeat(float.NegativeInfinity, 200)];
        var sampler = new Sampler(options with { TopK = options.TopK == 0 ? 0 : options.TopK + 50 }, padded.Length);
        int[] support = Support(SamplingMath.Histogram(sampler, padded, 5000));
        if (options.TopK == 0)
        {
            Assert.Equal(expected, support);
        }
        else
        {
            Assert.Subset(new HashSet<int>([0, 1, 2, 3, 4]), new HashSet<int>(support));
        }
    }

    [Fact]
    public void Top_k_ties_keep_the_lowest_ids()
    {
        var sampler = new Sampler(Options(topK: 3), 100);
        Assert.Equal([0, 1, 2], Support(SamplingMath.Histogram(sampler, new float[100], 3000)));
    }

    [Theory]
    [InlineData(17, 5)]
    [InlineData(100, 10)]
    [InlineData(4099, 10)]
    [InlineData(4099, 64)]
    public void Top_k_on_a_long_row_keeps_the_k_largest(int length, int k)
    {
        var random = new Random(length + k);
        float[] logits = [.. Enumerable.Range(0, length).Select(_ => (float)random.NextDouble())];
        logits[0] = 1.5f;
        logits[length - 1] = 1.4f;
        int[] best = [.. Enumerable.Range(0, length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(k).Order()];

        // A high temperature flattens the k survivors so every one of them shows up.
        var sampler = new Sampler(Options(topK: k) with { Temperature = 50f }, length);
        Assert.Equal(best, Support(SamplingMath.Histogram(sampler, logits, 200 * k)));
    }

    [Theory]
    [InlineData(1e-4f, 0.5f, 700)]
    [InlineData(1e-4f, 0.9f, 400)]
    [InlineData(0f, 0.5f, 700)]
    [InlineData(1e-3f, 0.05f, 1000)]
    public void Top_p_without_top_k_on_a_large_vocabulary_keeps_the_nucleus(float step, float topP, int likelyCount)
    {
        // Likely ids (logits 5 + i * step; with step 0 all tied) among 5000 at 0. A nucleus of more than 256 ids
        // makes the sampler bisect a threshold; with ties the band cannot shrink and the lowest ids must win.
        const int Vocab = 5000;
        float[] logits = new float[Vocab];
        var random = new Random(5);
        int[] likely = [.. Enumerable.Range(0, Vocab).OrderBy(_ => random.Next()).Take(likelyCount)];
        for (int i = 0; i < likely.Length; i++)
        {
            logits[likely[i]] = 5f + (i * step);
        }

        double[] p = SamplingMath.Softmax(logits);
        var expected = new List<int>();
        double cumulative = 0;
        foreach (int id in Enumerable.Range(0, Vocab).OrderByDescending(i => logits[i]).ThenBy(i => i))
        {
            expected.Add(id);
            cumulative += p[id];
            if (cumulative >= topP)
            {
                break;
            }
        }

        var sampler = new Sampler(Options(topP: topP), Vocab);
        Assert.True(expected.Count > 256 || topP < 0.1f, "the nucleus should need more than the first partial selection");
        Assert.Equal(expected.Order(), Support(SamplingMath.Histogram(sampler, logits, 25 * expected.Count)));
    }

    [Fact]
    public void Top_k_of_one_is_greedy_whatever_the_seed()
    {
        var random = new Random(8);
        float[] logits = [.. Enumerable.Range(0, 1000).Select(_ => (float)random.NextDouble())];
        int argmax = Array.IndexOf(logits, logits.Max());
        for (ulong seed = 0; seed < 20; seed++)
        {
            Assert.Equal(argmax, new Sampler(Options(topK: 1) with { Seed = seed }, logits.Length).Sample(logits, []));
        }
    }

    private static int[] Support(int[] counts) => [.. Enumerable.Range(0, counts.Length).Where(i => counts[i] > 0)];

    private static SamplingOptions Options(int topK = 0, float topP = 1f, float minP = 0f) => new()
    {
        Temperature = 1f,
        TopK = topK,
        TopP = topP,
        MinP = minP,
        Seed = 3,
    };
}
