using LlmFramework.Abstractions.Execution;

namespace LlmFramework.Backends.Cpu.Tests.Support;

/// <summary>A plain-array paged KV cache for kernel tests.</summary>
internal sealed class TestKvCache : IKvCache
{
    private readonly float[][] _blocks;

    public TestKvCache(KvCacheLayout layout, int blockSize, int blockCount)
    {
        Layout = layout;
        BlockSize = blockSize;
        BlockCount = blockCount;
        int streams = layout.StreamWidths.Length;
        _blocks = new float[layout.LayerCount * streams * blockCount][];
        for (int layer = 0; layer < layout.LayerCount; layer++)
        {
            for (int s = 0; s < streams; s++)
            {
                for (int b = 0; b < blockCount; b++)
                {
                    _blocks[Index(layer, s, b)] = new float[blockSize * layout.StreamWidths[s]];
                }
            }
        }
    }

    public int BlockSize { get; }

    public int BlockCount { get; }

    public KvCacheLayout Layout { get; }

    public Span<float> GetBlock(int layer, int stream, int block) => _blocks[Index(layer, stream, block)];

    private int Index(int layer, int stream, int block) => (((layer * Layout.StreamWidths.Length) + stream) * BlockCount) + block;
}
