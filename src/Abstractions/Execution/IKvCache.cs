namespace LlmFramework.Abstractions.Execution;

/// <summary>
/// The engine's paged KV cache as ops see it: fixed-size blocks of <see cref="BlockSize"/> token slots, each slot
/// holding one row of each stream of the <see cref="Layout"/>. Sequences address it through their block tables
/// (<see cref="SequenceSlice.BlockTable"/>).
/// </summary>
public interface IKvCache
{
    /// <summary>Token slots per block.</summary>
    int BlockSize { get; }

    /// <summary>Blocks in the pool.</summary>
    int BlockCount { get; }

    /// <summary>What is stored per token.</summary>
    KvCacheLayout Layout { get; }

    /// <summary>The rows of one block for one layer and stream: <c>BlockSize * Layout.StreamWidths[stream]</c> values, slot-major.</summary>
    Span<float> GetBlock(int layer, int stream, int block);
}
