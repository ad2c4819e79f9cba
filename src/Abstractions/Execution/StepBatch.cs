namespace LlmFramework.Abstractions.Execution;

/// <summary>
/// A ragged batch: the tokens of one engine step from several sequences (prefill chunks and single decode
/// tokens together), concatenated sequence by sequence. The arrays may be longer than <see cref="TokenCount"/>
/// (they are reused between steps); only the first <see cref="TokenCount"/> entries count.
/// </summary>
public sealed class StepBatch
{
    /// <summary>Creates a batch with room for <paramref name="capacity"/> tokens.</summary>
    public StepBatch(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        TokenIds = new int[capacity];
        Positions = new int[capacity];
        SequenceOfToken = new int[capacity];
        OutputTokenIndices = new int[capacity];
    }

    /// <summary>Token ids, one per token.</summary>
    public int[] TokenIds { get; }

    /// <summary>Position of each token within its sequence.</summary>
    public int[] Positions { get; }

    /// <summary>For each token, the index into <see cref="Sequences"/> of its sequence.</summary>
    public int[] SequenceOfToken { get; }

    /// <summary>Indices of the tokens whose logits the step returns, in output-row order.</summary>
    public int[] OutputTokenIndices { get; }

    /// <summary>Number of tokens in the step.</summary>
    public int TokenCount { get; private set; }

    /// <summary>Number of output rows (see <see cref="OutputTokenIndices"/>).</summary>
    public int OutputCount { get; private set; }

    /// <summary>The sequences of the step, in token order.</summary>
    public IReadOnlyList<SequenceSlice> Sequences => _sequences;

    private readonly List<SequenceSlice> _sequences = [];

    /// <summary>Largest number of tokens the batch can hold.</summary>
    public int Capacity => TokenIds.Length;

    /// <summary>Empties the batch (keeps its arrays).</summary>
    public void Clear()
    {
        TokenCount = 0;
        OutputCount = 0;
        _sequences.Clear();
    }

    /// <summary>
    /// Appends a sequence's tokens at positions <paramref name="startPosition"/>... . When
    /// <paramref name="wantLogits"/> is true the logits of the slice's last token are returned.
    /// </summary>
    public SequenceSlice Add(int sequenceId, ReadOnlySpan<int> tokens, int startPosition, int[] blockTable, bool wantLogits)
    {
        ArgumentNullException.ThrowIfNull(blockTable);
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("a sequence slice needs at least one token", nameof(tokens));
        }

        if (TokenCount + tokens.Length > Capacity)
        {
            throw new InvalidOperationException($"step batch holds {Capacity} tokens; {TokenCount} + {tokens.Length} do not fit");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(startPosition);
        var slice = new SequenceSlice(sequenceId, TokenCount, tokens.Length, startPosition, blockTable);
        for (int i = 0; i < tokens.Length; i++)
        {
            TokenIds[TokenCount + i] = tokens[i];
            Positions[TokenCount + i] = startPosition + i;
            SequenceOfToken[TokenCount + i] = _sequences.Count;
        }

        TokenCount += tokens.Length;
        _sequences.Add(slice);
        if (wantLogits)
        {
            OutputTokenIndices[OutputCount++] = TokenCount - 1;
        }

        return slice;
    }

    /// <summary>Asks for the logits of every token of the batch (as perplexity evaluation needs), replacing earlier requests.</summary>
    public void OutputAllTokens()
    {
        for (int i = 0; i < TokenCount; i++)
        {
            OutputTokenIndices[i] = i;
        }

        OutputCount = TokenCount;
    }
}
