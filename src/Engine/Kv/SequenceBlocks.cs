namespace LlmFramework.Engine.Kv;

/// <summary>
/// The block table of one sequence: grows as tokens are added and gives every block back when freed. With prefix
/// caching, its leading full blocks can be taken from the cache (<see cref="AttachCachedPrefix"/>) and its own full
/// blocks are offered to it (<see cref="RegisterFullBlocks"/>); each full block's hash chains the hash of the one
/// before it, so a block is shared only after an identical prefix.
/// </summary>
public sealed class SequenceBlocks
{
    private int[] _table = new int[8];
    private ulong[] _hashes = new ulong[8];

    /// <summary>Number of blocks held.</summary>
    public int Count { get; private set; }

    /// <summary>Leading full blocks whose hashes are known (attached from the cache or registered).</summary>
    public int HashedBlocks { get; private set; }

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

            Append(block);
        }

        return true;
    }

    /// <summary>
    /// For an empty sequence: takes the cached blocks that hold the longest run of whole blocks of
    /// <paramref name="tokens"/>, at most <paramref name="maxTokens"/> tokens. Returns the number of tokens covered
    /// (a multiple of <paramref name="blockSize"/>), whose KV need not be computed.
    /// </summary>
    public int AttachCachedPrefix(ReadOnlySpan<int> tokens, int maxTokens, int blockSize, BlockAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        if (Count != 0)
        {
            throw new InvalidOperationException("a cached prefix can only start an empty sequence");
        }

        int blocks = Math.Min(tokens.Length, maxTokens) / blockSize;
        ulong parent = 0;
        for (int b = 0; b < blocks; b++)
        {
            ReadOnlySpan<int> blockTokens = tokens.Slice(b * blockSize, blockSize);
            ulong hash = BlockAllocator.HashBlock(parent, blockTokens);
            if (!allocator.TryShare(hash, blockTokens, out int block))
            {
                break;
            }

            Append(block);
            _hashes[HashedBlocks++] = hash;
            parent = hash;
        }

        return Count * blockSize;
    }

    /// <summary>Registers in the prefix cache every full block of the first <paramref name="cachedTokens"/> of <paramref name="tokens"/> not registered yet.</summary>
    public void RegisterFullBlocks(ReadOnlySpan<int> tokens, int cachedTokens, int blockSize, BlockAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        int full = Math.Min(Count, Math.Min(cachedTokens, tokens.Length) / blockSize);
        while (HashedBlocks < full)
        {
            int b = HashedBlocks;
            ReadOnlySpan<int> blockTokens = tokens.Slice(b * blockSize, blockSize);
            ulong hash = BlockAllocator.HashBlock(b == 0 ? 0 : _hashes[b - 1], blockTokens);
            allocator.Register(_table[b], hash, blockTokens);
            _hashes[HashedBlocks++] = hash;
        }
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
        HashedBlocks = 0;
    }

    private void Append(int block)
    {
        if (Count == _table.Length)
        {
            Array.Resize(ref _table, _table.Length * 2);
            Array.Resize(ref _hashes, _hashes.Length * 2);
        }

        _table[Count++] = block;
    }
}
