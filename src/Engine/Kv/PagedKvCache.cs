using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Execution;

namespace LlmFramework.Engine.Kv;

/// <summary>
/// The KV cache as a pool of fixed-size blocks (PagedAttention). Memory for each (layer, stream) is one native
/// allocation of <c>BlockCount * BlockSize * width</c> floats, reserved up front and touched only as blocks are used.
/// Blocks are handed out by <see cref="BlockAllocator"/>; sequences keep their own block tables.
/// </summary>
public sealed unsafe class PagedKvCache : IKvCache, IDisposable
{
    private readonly float*[] _streams;
    private readonly int[] _widths;
    private bool _disposed;

    /// <summary>Reserves a cache of <paramref name="blockCount"/> blocks of <paramref name="blockSize"/> slots.</summary>
    public PagedKvCache(KvCacheLayout layout, int blockSize, int blockCount)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockCount, 1);
        Layout = layout;
        BlockSize = blockSize;
        BlockCount = blockCount;
        _widths = layout.StreamWidths;
        _streams = new float*[layout.LayerCount * _widths.Length];
        for (int layer = 0; layer < layout.LayerCount; layer++)
        {
            for (int s = 0; s < _widths.Length; s++)
            {
                nuint bytes = (nuint)blockCount * (nuint)blockSize * (nuint)_widths[s] * sizeof(float);
                _streams[(layer * _widths.Length) + s] = (float*)NativeMemory.AlignedAlloc(Math.Max(bytes, 64), 64);
            }
        }

        Allocator = new BlockAllocator(blockCount, blockSize);
    }

    /// <inheritdoc />
    public int BlockSize { get; }

    /// <inheritdoc />
    public int BlockCount { get; }

    /// <inheritdoc />
    public KvCacheLayout Layout { get; }

    /// <summary>Hands out and takes back blocks.</summary>
    public BlockAllocator Allocator { get; }

    /// <summary>Bytes reserved for the cache.</summary>
    public long ReservedBytes => (long)BlockCount * BlockSize * Layout.BytesPerToken;

    /// <inheritdoc />
    public Span<float> GetBlock(int layer, int stream, int block)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)layer >= (uint)Layout.LayerCount || (uint)stream >= (uint)_widths.Length || (uint)block >= (uint)BlockCount)
        {
            throw new ArgumentOutOfRangeException(nameof(block), $"no block (layer {layer}, stream {stream}, block {block}) in a cache of {Layout.LayerCount} layers, {_widths.Length} streams, {BlockCount} blocks");
        }

        int width = _widths[stream];
        long offset = (long)block * BlockSize * width;
        return new Span<float>(_streams[(layer * _widths.Length) + stream] + offset, BlockSize * width);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (float* p in _streams)
        {
            NativeMemory.AlignedFree(p);
        }
    }
}
