namespace LlmFramework.Training.Data;

/// <summary>
/// Sequences packed into one padded batch: inputs [rows, length] (padding with <c>pad</c>) and next-token targets
/// [rows, length] holding -100 (cross-entropy's ignore index) wherever the next token is not scored or is padding.
/// </summary>
public static class SequenceBatch
{
    /// <summary>The ignore index of the targets.</summary>
    public const long Ignore = -100;

    /// <summary>Packs <paramref name="sequences"/>; returns (inputs, targets, length).</summary>
    public static (long[] Inputs, long[] Targets, int Length) Pack(IReadOnlyList<ScoredSequence> sequences, int pad)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        int length = Math.Max(1, sequences.Max(s => s.Tokens.Length) - 1);
        var inputs = new long[sequences.Count * length];
        var targets = new long[inputs.Length];
        Array.Fill(inputs, pad);
        Array.Fill(targets, Ignore);
        for (int b = 0; b < sequences.Count; b++)
        {
            ScoredSequence s = sequences[b];
            for (int i = 0; i + 1 < s.Tokens.Length; i++)
            {
                inputs[(b * length) + i] = s.Tokens[i];
                if (s.Scored[i + 1])
                {
                    targets[(b * length) + i] = s.Tokens[i + 1];
                }
            }
        }

        return (inputs, targets, length);
    }
}
