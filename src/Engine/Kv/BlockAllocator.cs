namespace LlmFramework.Engine.Kv;

/// <summary>
/// Hands out KV-cache blocks and keeps the prefix cache. Blocks are reference-counted: a full block whose tokens are
/// registered (<see cref="Register"/>) can be shared by every sequence with the same prefix (<see cref="TryShare"/>).
/// A block nobody holds goes back to the free list, or, when it is registered, to an LRU list of cached blocks that
/// stay reusable until a new allocation needs the room (the least recently released is evicted first).
/// Not thread-safe: the engine uses it under its step lock.
/// </summary>
public sealed class BlockAllocator
{
    private readonly Stack<int> _free;
    private readonly int[] _refs;
    private readonly int _blockSize;

    // Prefix cache: hash of (parent hash, tokens) -> block; per block its hash and tokens (to rule out collisions).
    private readonly Dictionary<ulong, int> _cached = [];
    private readonly ulong[] _hashOf;
    private readonly bool[] _isCached;
    private readonly int[] _tokensOf;
    private readonly LinkedList<int> _evictable = new();
    private readonly LinkedListNode<int>[] _lruNodes;

    /// <summary>Creates an allocator with all <paramref name="blockCount"/> blocks free.</summary>
    public BlockAllocator(int blockCount, int blockSize = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _free = new Stack<int>(blockCount);
        for (int i = blockCount - 1; i >= 0; i--)
        {
            _free.Push(i);
        }

        TotalBlocks = blockCount;
        _blockSize = blockSize;
        _refs = new int[blockCount];
        _hashOf = new ulong[blockCount];
        _isCached = new bool[blockCount];
        _tokensOf = new int[checked(blockCount * blockSize)];
        _lruNodes = new LinkedListNode<int>[blockCount];
        for (int i = 0; i < blockCount; i++)
        {
            _lruNodes[i] = new LinkedListNode<int>(i);
        }
    }

    /// <summary>All blocks.</summary>
    public int TotalBlocks { get; }

    /// <summary>Blocks no sequence holds: never used, or holding a cached prefix that a new allocation may evict.</summary>
    public int FreeBlocks => _free.Count + _evictable.Count;

    /// <summary>Blocks held by at least one sequence.</summary>
    public int UsedBlocks => TotalBlocks - FreeBlocks;

    /// <summary>Blocks registered in the prefix cache (held or evictable).</summary>
    public int CachedBlocks => _cached.Count;

    /// <summary>Blocks evicted from the prefix cache so far to make room.</summary>
    public long Evictions { get; private set; }

    /// <summary>Sequences holding <paramref name="block"/>.</summary>
    public int ReferenceCount(int block) => _refs[CheckBlock(block)];

    /// <summary>
    /// Takes a block for one sequence: a never-used one if there is one, else the least recently released cached block
    /// (dropping it from the prefix cache). Returns false when every block is held.
    /// </summary>
    public bool TryAllocate(out int block)
    {
        if (!_free.TryPop(out block))
        {
            LinkedListNode<int>? oldest = _evictable.First;
            if (oldest is null)
            {
                block = -1;
                return false;
            }

            block = oldest.Value;
            _evictable.Remove(oldest);
            Uncache(block);
            Evictions++;
        }

        _refs[block] = 1;
        return true;
    }

    /// <summary>Gives one sequence's hold on <paramref name="block"/> back.</summary>
    public void Free(int block)
    {
        CheckBlock(block);
        if (_refs[block] <= 0)
        {
            throw new InvalidOperationException($"KV block {block} freed more often than it was taken");
        }

        if (--_refs[block] > 0)
        {
            return;
        }

        if (_isCached[block])
        {
            _evictable.AddLast(_lruNodes[block]);
        }
        else
        {
            _free.Push(block);
        }
    }

    /// <summary>
    /// Looks up the full block with <paramref name="hash"/> and exactly <paramref name="tokens"/>; on a hit takes a
    /// hold on it (reviving it if it was evictable) and returns it.
    /// </summary>
    public bool TryShare(ulong hash, ReadOnlySpan<int> tokens, out int block)
    {
        if (tokens.Length != _blockSize)
        {
            throw new ArgumentException($"a cached block holds {_blockSize} tokens, not {tokens.Length}", nameof(tokens));
        }

        if (!_cached.TryGetValue(hash, out block) || !tokens.SequenceEqual(_tokensOf.AsSpan(block * _blockSize, _blockSize)))
        {
            block = -1;
            return false;
        }

        if (_refs[block] == 0)
        {
            _evictable.Remove(_lruNodes[block]);
        }

        _refs[block]++;
        return true;
    }

    /// <summary>
    /// Registers the full block <paramref name="block"/> (held by the caller) as holding <paramref name="tokens"/> after
    /// the prefix summarised by <paramref name="hash"/>. Returns false, leaving the block private, when another block
    /// already holds that prefix.
    /// </summary>
    public bool Register(int block, ulong hash, ReadOnlySpan<int> tokens)
    {
        CheckBlock(block);
        if (tokens.Length != _blockSize)
        {
            throw new ArgumentException($"a cached block holds {_blockSize} tokens, not {tokens.Length}", nameof(tokens));
        }

        if (_isCached[block] || _refs[block] == 0 || !_cached.TryAdd(hash, block))
        {
            return false;
        }

        _isCached[block] = true;
        _hashOf[block] = hash;
        tokens.CopyTo(_tokensOf.AsSpan(block * _blockSize, _blockSize));
        return true;
    }

    /// <summary>Drops every evictable block from the prefix cache (held blocks stay cached).</summary>
    public void ClearPrefixCache()
    {
        while (_evictable.First is { } node)
        {
            _evictable.Remove(node);
            Uncache(node.Value);
            _free.Push(node.Value);
        }
    }

    /// <summary>The hash of a full block of <paramref name="tokens"/> that follows the prefix summarised by <paramref name="parent"/> (0 for none).</summary>
    public static ulong HashBlock(ulong parent, ReadOnlySpan<int> tokens)
    {
        // splitmix64-style mixing of each token into the running state; 64 bits plus the token check in TryShare.
        ulong h = parent ^ 0x9E3779B97F4A7C15UL;
        foreach (int t in tokens)
        {
            h = Mix(h ^ (uint)t);
        }

        return Mix(h ^ (ulong)tokens.Length);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private void Uncache(int block)
    {
        if (_isCached[block])
        {
            _cached.Remove(_hashOf[block]);
            _isCached[block] = false;
        }
    }

    private int CheckBlock(int block)
    {
        if ((uint)block >= (uint)TotalBlocks)
        {
            throw new ArgumentOutOfRangeException(nameof(block), $"no block {block} in a pool of {TotalBlocks}");
        }

        return block;
    }
}
