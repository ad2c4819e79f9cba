namespace LlmFramework.Training.Data;

/// <summary>
/// Random training windows over one token stream: each step takes <c>batch</c> windows of <c>length + 1</c> tokens
/// (inputs and next-token targets). The starts depend only on (seed, step), so a resumed run draws the same batches
/// as an uninterrupted one.
/// </summary>
public sealed class TokenWindows
{
    private readonly int[] _tokens;

    /// <summary>Windows over <paramref name="tokens"/>; it must hold more than <paramref name="length"/> tokens.</summary>
    public TokenWindows(int[] tokens, int length)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Length <= length)
        {
            throw new ArgumentException($"the training text has {tokens.Length} tokens; a window of {length} needs at least {length + 1}");
        }

        _tokens = tokens;
        Length = length;
    }

    /// <summary>Tokens per window (inputs).</summary>
    public int Length { get; }

    /// <summary>Tokens in the stream.</summary>
    public int TokenCount => _tokens.Length;

    /// <summary>Fills <paramref name="inputs"/> and <paramref name="targets"/> (batch * length each, row-major) for <paramref name="step"/>.</summary>
    public void Fill(long seed, long step, Span<long> inputs, Span<long> targets)
    {
        int batch = inputs.Length / Length;
        var random = new Random(unchecked((int)((seed * 1_000_003) ^ (step * 7_919) ^ (step >> 32))));
        for (int b = 0; b < batch; b++)
        {
            int start = random.Next(_tokens.Length - Length);
            for (int i = 0; i < Length; i++)
            {
                inputs[(b * Length) + i] = _tokens[start + i];
                targets[(b * Length) + i] = _tokens[start + i + 1];
            }
        }
    }
}
