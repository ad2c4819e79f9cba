namespace LlmFramework.Training.Data;

/// <summary>
/// A token sequence and which of its positions are predicted: position i (i &gt;= 1) scores -log p(Tokens[i] | Tokens[..i])
/// when <c>Scored[i]</c>. Plain text scores every position but the first; a chat scores only the assistant's tokens.
/// </summary>
/// <param name="Tokens">The ids.</param>
/// <param name="Scored">Per position, whether its token is predicted (Scored[0] is ignored).</param>
public sealed record ScoredSequence(int[] Tokens, bool[] Scored)
{
    /// <summary>A plain-text sequence: every token after the first is scored.</summary>
    public static ScoredSequence AllTokens(int[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var scored = new bool[tokens.Length];
        Array.Fill(scored, true);
        if (scored.Length > 0)
        {
            scored[0] = false;
        }

        return new ScoredSequence(tokens, scored);
    }

    /// <summary>Number of scored predictions.</summary>
    public int Predictions => Scored.Skip(1).Count(s => s);

    /// <summary>Consecutive windows of at most <paramref name="window"/> tokens of <paramref name="tokens"/>, each fully scored (as eval-ppl cuts text).</summary>
    public static IReadOnlyList<ScoredSequence> Windows(int[] tokens, int window)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var windows = new List<ScoredSequence>();
        for (int start = 0; start < tokens.Length - 1; start += window)
        {
            int length = Math.Min(window, tokens.Length - start);
            if (length < 2)
            {
                break;
            }

            windows.Add(AllTokens(tokens[start..(start + length)]));
        }

        return windows;
    }
}
