using LlmFramework.Engine.Tests.Support;

namespace LlmFramework.Engine.Tests.Execution;

public sealed class ScoringTests
{
    [Fact]
    public void Scoring_all_positions_at_once_equals_scoring_each_prefix()
    {
        using var model = new TinyModel();
        int[] tokens = model.Tokenizer.Encode("it was the best of times");
        using var engine = new InferenceEngine(model, [new ReferenceBackend()], new EngineOptions { MaxBatchTokens = 5, KvBlockSize = 4 });
        (double nll, int predictions) = engine.ScoreTokens(tokens);

        double expected = 0;
        for (int i = 1; i < tokens.Length; i++)
        {
            float[] logits = engine.GetLogits(tokens.AsSpan(0, i));
            double max = logits.Max();
            double logSum = Math.Log(logits.Sum(v => Math.Exp(v - max))) + max;
            expected += logSum - logits[tokens[i]];
        }

        Assert.Equal(tokens.Length - 1, predictions);
        Assert.Equal(expected, nll, 3);
        Assert.Equal(engine.KvCache.Allocator.TotalBlocks, engine.KvCache.Allocator.FreeBlocks);
    }

    [Fact]
    public void Perplexity_is_exp_of_the_mean_over_windows()
    {
        using var model = new TinyModel();
        int[] tokens = model.Tokenizer.Encode("it was the age of wisdom, it was the age of foolishness");
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        var seen = new List<int>();
        PerplexityResult result = PerplexityEvaluator.Evaluate(engine, tokens, windowTokens: 16, (done, _) => seen.Add(done));
        double nll = 0;
        long count = 0;
        for (int start = 0; start < tokens.Length - 1; start += 16)
        {
            (double n, int c) = engine.ScoreTokens(tokens.AsSpan(start, Math.Min(16, tokens.Length - start)));
            nll += n;
            count += c;
        }

        Assert.Equal(count, result.Predictions);
        Assert.Equal(Math.Exp(nll / count), result.Perplexity, 6);
        Assert.InRange(result.Perplexity, 1.0, model.Tokenizer.VocabSize * 100.0);
        Assert.Equal(tokens.Length, seen[^1]);
    }

    [Fact]
    public void Too_little_text_or_a_bad_window_is_an_error()
    {
        using var model = new TinyModel(contextLength: 32);
        using var engine = new InferenceEngine(model, [new ReferenceBackend()]);
        Assert.Contains("at least 2", Assert.Throws<ArgumentException>(() => PerplexityEvaluator.Evaluate(engine, [1], 16)).Message, StringComparison.Ordinal);
        Assert.Contains("window", Assert.Throws<ArgumentException>(() => PerplexityEvaluator.Evaluate(engine, [1, 2, 3], 64)).Message, StringComparison.Ordinal);
    }
}
