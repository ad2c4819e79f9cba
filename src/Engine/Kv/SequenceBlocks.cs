namespace LlmFramework.Engine.Kv;

/// <summary>The block table of one sequence: grows as tokens are added and gives every block back when freed.</summary>
public sealed class SequenceBlocks
{
    private int[] _table = new int[8];

    /// <summary>Number of blocks held.</summary>
    public int Count { get; private set; }

    /// <summary>The block table (only the first <see cref="Count"/> entries are meaningful).</summary>
    public int[] Table => _table;

    /// <summary>
    /// Makes room for <paramref name="tokens"/> positions. Returns false (holding what it had) when the pool ran out.
    /// </summary>
    public bool EnsureCapacity(int tokens, int blockSize, BlockAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        int needed = (tokens + blockSize - 1) / blockSize;
        while (Count < needed)
        {
            if (!allocator.TryAllocate(out int block))
            {
                return false;
            }

            if (Count == _table.Length)
            {
                Array.Resize(ref _table, _table.Length * 2);
            }

            _table[Count++] = block;
        }

        return true;
    }

    /// <summary>Gives every block back.</summary>
    public void Release(BlockAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        for (int i = 0; i < Count; i++)
        {
            allocator.Free(_table[i]);
        }

        Count = 0;
    }
}
