namespace LlmFramework.Abstractions.Execution;

/// <summary>
/// One sequence's part of a <see cref="StepBatch"/>: a run of consecutive tokens (a prefill chunk, or a single
/// decode token) at consecutive positions, and where its KV cache lives.
/// </summary>
/// <param name="SequenceId">The engine's id of the sequence (stable across steps).</param>
/// <param name="FirstToken">Index of the slice's first token in the step's token arrays.</param>
/// <param name="TokenCount">Number of tokens in the slice (at least 1).</param>
/// <param name="StartPosition">Position of the first token; tokens at positions below it are already in the cache.</param>
/// <param name="BlockTable">KV-cache block ids of the sequence, in position order: position p is in block
/// <c>BlockTable[p / blockSize]</c> at offset <c>p % blockSize</c>. Covers at least StartPosition + TokenCount positions.</param>
public sealed record SequenceSlice(int SequenceId, int FirstToken, int TokenCount, int StartPosition, int[] BlockTable)
{
    /// <summary>Positions in the cache after this step (StartPosition + TokenCount).</summary>
    public int EndPosition => StartPosition + TokenCount;
}
