namespace LlmFramework.Engine.Kv;

/// <summary>Free list of KV-cache block ids. Not thread-safe: the engine uses it from its step thread only.</summary>
public sealed class BlockAllocator
{
    private readonly Stack<int> _free;

    /// <summary>Creates an allocator with all <paramref name="blockCount"/> blocks free.</summary>
    public BlockAllocator(int blockCount)
    {
        _free = new Stack<int>(blockCount);
        for (int i = blockCount - 1; i >= 0; i--)
        {
            _free.Push(i);
        }

        TotalBlocks = blockCount;
    }

    /// <summary>All blocks.</summary>
    public int TotalBlocks { get; }

    /// <summary>Blocks not in use.</summary>
    public int FreeBlocks => _free.Count;

    /// <summary>Takes a free block, or returns false when none is left.</summary>
    public bool TryAllocate(out int block) => _free.TryPop(out block);

    /// <summary>Returns a block to the pool.</summary>
    public void Free(int block)
    {
        if ((uint)block >= (uint)TotalBlocks)
        {
            throw new ArgumentOutOfRangeException(nameof(block));
        }

        _free.Push(block);
    }
}
