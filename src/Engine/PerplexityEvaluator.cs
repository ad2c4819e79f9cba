namespace LlmFramework.Engine;

/// <summary>
/// Perplexity of a token stream: the stream is cut into consecutive windows of at most <c>windowTokens</c> tokens, each
/// scored as a fresh sequence (so every prediction sees at most one window of context), and
/// perplexity = exp(total negative log-likelihood / predictions).
/// </summary>
public static class PerplexityEvaluator
{
    /// <summary>Scores <paramref name="tokens"/>; <paramref name="progress"/> gets (tokens done, total) after each window.</summary>
    public static PerplexityResult Evaluate(InferenceEngine engine, IReadOnlyList<int> tokens, int windowTokens, Action<int, int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(tokens);
        if (windowTokens < 2 || windowTokens > engine.ContextLength)
        {
            throw new ArgumentException($"window must be in [2, {engine.ContextLength}] tokens, got {windowTokens}");
        }

        if (tokens.Count < 2)
        {
            throw new ArgumentException($"the text has {tokens.Count} token(s); perplexity needs at least 2");
        }

        int[] all = [.. tokens];
        double nll = 0;
        long predictions = 0;
        for (int start = 0; start < all.Length - 1; start += windowTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int length = Math.Min(windowTokens, all.Length - start);
            if (length < 2)
            {
                break;
            }

            (double windowNll, int count) = engine.ScoreTokens(all.AsSpan(start, length));
            nll += windowNll;
            predictions += count;
            progress?.Invoke(start + length, all.Length);
        }

        return new PerplexityResult(Math.Exp(nll / predictions), nll, predictions);
    }
}
