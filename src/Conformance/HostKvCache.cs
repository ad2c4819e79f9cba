using LlmFramework.Abstractions.Execution;

namespace LlmFramework.Conformance;

/// <summary>
/// A paged KV cache in host memory: <see cref="IKvCache.BlockCount"/> blocks of <see cref="IKvCache.BlockSize"/>
/// token slots for every layer and stream of a <see cref="KvCacheLayout"/>. Plain arrays, no allocator: callers
/// choose block ids themselves (as the conformance suite does, handing sequences scattered block tables).
/// </summary>
public sealed class HostKvCache : IKvCache
{
    private readonly float[][] _streams;

    /// <summary>Creates a zero-filled cache.</summary>
    /// <param name="layout">Layers and stream widths.</param>
    /// <param name="blockSize">Token slots per block (at least 1).</param>
    /// <param name="blockCount">Blocks in the pool (at least 0).</param>
    public HostKvCache(KvCacheLayout layout, int blockSize, int blockCount)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(blockCount);
        ArgumentOutOfRangeException.ThrowIfNegative(layout.LayerCount);
        Layout = layout;
        BlockSize = blockSize;
        BlockCount = blockCount;
        _streams = new float[layout.LayerCount * layout.StreamWidths.Length][];
        for (int layer = 0; layer < layout.LayerCount; layer++)
        {
            for (int stream = 0; stream < layout.StreamWidths.Length; stream++)
            {
                int width = layout.StreamWidths[stream];
                ArgumentOutOfRangeException.ThrowIfNegative(width, $"{nameof(layout)}.{nameof(layout.StreamWidths)}[{stream}]");
                _streams[(layer * layout.StreamWidths.Length) + stream] = new float[checked(blockCount * blockSize * width)];
            }
        }
    }

    /// <inheritdoc />
    public int BlockSize { get; }

    /// <inheritdoc />
    public int BlockCount { get; }

    /// <inheritdoc />
    public KvCacheLayout Layout { get; }

    /// <inheritdoc />
    public Span<float> GetBlock(int layer, int stream, int block)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, BlockCount);
        int blockValues = BlockSize * Layout.StreamWidths[CheckStream(layer, stream)];
        return GetStream(layer, stream).Slice(block * blockValues, blockValues);
    }

    /// <summary>The whole pool of one layer and stream: <c>BlockCount * BlockSize * width</c> values, block-major then slot-major.</summary>
    public Span<float> GetStream(int layer, int stream) => _streams[(layer * Layout.StreamWidths.Length) + CheckStream(layer, stream)];

    /// <summary>The row of token slot <paramref name="slot"/> of block <paramref name="block"/> for one layer and stream.</summary>
    public Span<float> GetSlot(int layer, int stream, int block, int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, BlockSize);
        int width = Layout.StreamWidths[CheckStream(layer, stream)];
        return GetBlock(layer, stream, block).Slice(slot * width, width);
    }

    /// <summary>The row of position <paramref name="position"/> of a sequence with block table <paramref name="blockTable"/>.</summary>
    public Span<float> GetPosition(int layer, int stream, IReadOnlyList<int> blockTable, int position)
    {
        ArgumentNullException.ThrowIfNull(blockTable);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (position / BlockSize >= blockTable.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"the block table has {blockTable.Count} blocks of {BlockSize} slots");
        }

        return GetSlot(layer, stream, blockTable[position / BlockSize], position % BlockSize);
    }

    /// <summary>A deep copy (same geometry, same contents).</summary>
    public HostKvCache Clone()
    {
        var copy = new HostKvCache(Layout, BlockSize, BlockCount);
        for (int i = 0; i < _streams.Length; i++)
        {
            _streams[i].CopyTo(copy._streams[i], 0);
        }

        return copy;
    }

    private int CheckStream(int layer, int stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, Layout.LayerCount);
        ArgumentOutOfRangeException.ThrowIfNegative(stream);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stream, Layout.StreamWidths.Length);
        return stream;
    }
}
