using LlmFramework.Abstractions.Execution;

namespace LlmFramework.Conformance.Tests;

public sealed class HostKvCacheTests
{
    private static readonly KvCacheLayout Layout = new(2, [3, 5], 128);

    [Fact]
    public void Blocks_are_slot_major_rows_of_the_stream_width()
    {
        var cache = new HostKvCache(Layout, 4, 6);

        Assert.Equal(4 * 3, cache.GetBlock(1, 0, 5).Length);
        Assert.Equal(4 * 5, cache.GetBlock(0, 1, 0).Length);
        cache.GetSlot(1, 1, 2, 3)[4] = 7;
        Assert.Equal(7, cache.GetBlock(1, 1, 2)[(3 * 5) + 4]);
        Assert.Equal(7, cache.GetStream(1, 1)[(((2 * 4) + 3) * 5) + 4]);
        Assert.All(cache.GetStream(0, 1).ToArray(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Positions_are_found_through_the_block_table()
    {
        var cache = new HostKvCache(Layout, 4, 6);
        int[] blockTable = [5, 1];

        cache.GetPosition(0, 0, blockTable, 6)[0] = 9; // block 1 of the table = pool block 1, slot 2

        Assert.Equal(9, cache.GetSlot(0, 0, 1, 2)[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetPosition(0, 0, blockTable, 8));
    }

    [Fact]
    public void Clone_is_a_deep_copy()
    {
        var cache = new HostKvCache(Layout, 2, 3);
        cache.GetSlot(0, 0, 1, 1)[2] = 1.5f;

        HostKvCache copy = cache.Clone();
        cache.GetSlot(0, 0, 1, 1)[2] = 0;

        Assert.Equal(1.5f, copy.GetSlot(0, 0, 1, 1)[2]);
        Assert.Equal((2, 3), (copy.BlockSize, copy.BlockCount));
    }

    [Fact]
    public void Out_of_range_addresses_throw()
    {
        var cache = new HostKvCache(Layout, 2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetBlock(2, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetBlock(0, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.GetBlock(0, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HostKvCache(Layout, 0, 3));
    }
}
