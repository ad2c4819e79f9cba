using LlmFramework.Engine.Kv;

namespace LlmFramework.Engine.Tests.Kv;

public sealed class BlockAllocatorTests
{
    [Fact]
    public void A_registered_block_is_shared_reference_counted_and_kept_until_evicted()
    {
        var allocator = new BlockAllocator(blockCount: 2, blockSize: 2);
        int[] tokens = [5, 6];
        ulong hash = BlockAllocator.HashBlock(0, tokens);
        Assert.True(allocator.TryAllocate(out int block));
        Assert.True(allocator.Register(block, hash, tokens));
        Assert.False(allocator.Register(block, hash, tokens)); // already registered

        Assert.True(allocator.TryShare(hash, tokens, out int shared));
        Assert.Equal(block, shared);
        Assert.Equal(2, allocator.ReferenceCount(block));
        allocator.Free(block);
        allocator.Free(block);

        // Nobody holds it, but it stays cached and counts as free.
        Assert.Equal(2, allocator.FreeBlocks);
        Assert.Equal(1, allocator.CachedBlocks);
        Assert.True(allocator.TryShare(hash, tokens, out int revived));
        Assert.Equal(block, revived);
        Assert.Equal(1, allocator.FreeBlocks);
        allocator.Free(revived);

        // Two new allocations take the never-used block first, then evict the cached one.
        Assert.True(allocator.TryAllocate(out int a));
        Assert.NotEqual(block, a);
        Assert.Equal(1, allocator.CachedBlocks);
        Assert.True(allocator.TryAllocate(out int b));
        Assert.Equal(block, b);
        Assert.Equal(0, allocator.CachedBlocks);
        Assert.Equal(1, allocator.Evictions);
        Assert.False(allocator.TryAllocate(out _));
        Assert.False(allocator.TryShare(hash, tokens, out _));
    }

    [Fact]
    public void The_least_recently_released_cached_block_is_evicted_first()
    {
        var allocator = new BlockAllocator(blockCount: 3, blockSize: 1);
        int[] ids = new int[3];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(allocator.TryAllocate(out ids[i]));
            Assert.True(allocator.Register(ids[i], BlockAllocator.HashBlock(0, [i]), [i]));
        }

        allocator.Free(ids[1]);
        allocator.Free(ids[0]);
        allocator.Free(ids[2]);
        Assert.True(allocator.TryAllocate(out int taken));
        Assert.Equal(ids[1], taken);
        Assert.False(allocator.TryShare(BlockAllocator.HashBlock(0, [1]), [1], out _));
        Assert.True(allocator.TryShare(BlockAllocator.HashBlock(0, [0]), [0], out _));
    }

    [Fact]
    public void A_lookup_checks_the_tokens_not_only_the_hash()
    {
        var allocator = new BlockAllocator(blockCount: 2, blockSize: 2);
        Assert.True(allocator.TryAllocate(out int block));
        Assert.True(allocator.Register(block, 42, [1, 2]));
        Assert.False(allocator.TryShare(42, [1, 3], out _));
        Assert.True(allocator.TryShare(42, [1, 2], out _));
    }

    [Fact]
    public void A_block_hash_depends_on_the_prefix_before_it()
    {
        ulong first = BlockAllocator.HashBlock(0, [1, 2]);
        Assert.NotEqual(BlockAllocator.HashBlock(first, [3, 4]), BlockAllocator.HashBlock(BlockAllocator.HashBlock(0, [9, 9]), [3, 4]));
        Assert.Equal(BlockAllocator.HashBlock(first, [3, 4]), BlockAllocator.HashBlock(BlockAllocator.HashBlock(0, [1, 2]), [3, 4]));
    }

    [Fact]
    public void Freeing_too_often_is_an_error()
    {
        var allocator = new BlockAllocator(blockCount: 1, blockSize: 1);
        Assert.True(allocator.TryAllocate(out int block));
        allocator.Free(block);
        Assert.Throws<InvalidOperationException>(() => allocator.Free(block));
        Assert.Throws<ArgumentOutOfRangeException>(() => allocator.Free(7));
    }
}
