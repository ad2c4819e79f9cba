using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Backends.Torch.Ops;

/// <summary>
/// <see cref="OpKind.Attention"/> over the paged KV cache. The cache lives in host memory (contract 1.0), so the step's
/// k and v rows are stored there by plain copies (bit-exact, only the tokens' own slots), and each sequence's positions
/// 0..p are gathered block by block into one [L, Hkv·D] tensor per stream and moved to the device. Then, per sequence,
/// grouped-query attention as batched matrix products over the KV heads: query head h uses KV head h / (Hq / Hkv),
/// scores in F32, positions after a token's own masked out, softmax, weighted sum of v.
/// </summary>
internal sealed class AttentionOp
{
    private const int KeyStream = 0;
    private const int ValueStream = 1;

    /// <summary>Score values (Hq × query tokens × L) computed at once; longer prefills run in chunks of query tokens.</summary>
    private const long MaxScoreValues = 1L << 25;

    private readonly Device _device;

    public AttentionOp(Device device)
    {
        _device = device;
    }

    /// <summary>Stores the step's k and v in the cache, then attends; returns [T, Hq·Dv].</summary>
    public Tensor Run(GraphNode node, PartitionValues values)
    {
        AttentionParams p = node.GetParams<AttentionParams>();
        IExecutionContext context = values.Context;
        IKvCache cache = context.KvCache;
        StepBatch batch = context.Batch;
        int keyWidth = p.KvHeadCount * p.KeyDim;
        int valueWidth = p.KvHeadCount * p.ValueDim;
        CheckLayout(cache, p, keyWidth, valueWidth);
        Store(context.GetF32(node.Inputs[1]), batch, cache, p.Layer, KeyStream, keyWidth);
        Store(context.GetF32(node.Inputs[2]), batch, cache, p.Layer, ValueStream, valueWidth);

        Tensor output = zeros(batch.TokenCount, (long)p.HeadCount * p.ValueDim, ScalarType.Float32, _device);
        if (batch.TokenCount == 0)
        {
            return output;
        }

        Tensor queries = values.Get(node.Inputs[0]);
        foreach (SequenceSlice sequence in batch.Sequences)
        {
            ReadOnlySpan<int> positions = batch.Positions.AsSpan(sequence.FirstToken, sequence.TokenCount);
            int length = 0;
            foreach (int position in positions)
            {
                length = Math.Max(length, position + 1);
            }

            Tensor keys = Gather(cache, p.Layer, KeyStream, sequence.BlockTable, length, keyWidth);
            Tensor vals = Gather(cache, p.Layer, ValueStream, sequence.BlockTable, length, valueWidth);
            int chunk = (int)Math.Clamp(MaxScoreValues / ((long)p.HeadCount * length), 1, sequence.TokenCount);
            for (int first = 0; first < sequence.TokenCount; first += chunk)
            {
                int count = Math.Min(chunk, sequence.TokenCount - first);
                Tensor attended = Attend(p, queries.narrow(0, sequence.FirstToken + first, count), keys, vals, positions.Slice(first, count));
                output.narrow(0, sequence.FirstToken + first, count).copy_(attended);
            }
        }

        return output;
    }

    /// <summary>Attention of <paramref name="positions"/>.Length query rows over the sequence's L cached positions.</summary>
    private Tensor Attend(AttentionParams p, Tensor queries, Tensor keys, Tensor vals, ReadOnlySpan<int> positions)
    {
        long n = positions.Length, length = keys.shape[0];
        int kvHeads = p.KvHeadCount, group = p.HeadCount / p.KvHeadCount;

        // [n, Hq·Dk] -> [Hkv, group·n, Dk]: rows of one KV head's query heads together.
        Tensor q = queries.reshape(n, kvHeads, group, p.KeyDim).permute(1, 2, 0, 3).reshape(kvHeads, group * n, p.KeyDim);
        Tensor kt = keys.reshape(length, kvHeads, p.KeyDim).permute(1, 2, 0);
        Tensor scores = bmm(q, kt).mul_(p.Scale).view(kvHeads, group, n, length);

        using Tensor tokenPositions = HostTransfer.UploadIndices(positions, _device);
        using Tensor slots = arange(length, ScalarType.Int64, _device);
        using Tensor future = slots.unsqueeze(0) > tokenPositions.unsqueeze(1);
        scores.masked_fill_(future, float.NegativeInfinity);

        Tensor weights = scores.softmax(-1).view(kvHeads, group * n, length);
        Tensor v = vals.reshape(length, kvHeads, p.ValueDim).permute(1, 0, 2);
        return bmm(weights, v).view(kvHeads, group, n, p.ValueDim).permute(2, 0, 1, 3).reshape(n, (long)p.HeadCount * p.ValueDim);
    }

    /// <summary>Copies each token's row of <paramref name="rows"/> into its own position's slot.</summary>
    private static void Store(ReadOnlySpan<float> rows, StepBatch batch, IKvCache cache, int layer, int stream, int width)
    {
        for (int t = 0; t < batch.TokenCount; t++)
        {
            int[] table = batch.Sequences[batch.SequenceOfToken[t]].BlockTable;
            int position = batch.Positions[t];
            int block = BlockOf(table, position, cache.BlockSize);
            rows.Slice(t * width, width).CopyTo(cache.GetBlock(layer, stream, block).Slice(position % cache.BlockSize * width, width));
        }
    }

    /// <summary>Positions 0..length-1 of one stream of a sequence as a [length, width] tensor on the device.</summary>
    private Tensor Gather(IKvCache cache, int layer, int stream, int[] table, int length, int width)
    {
        Tensor host = empty(length, width, ScalarType.Float32);
        Span<float> target = HostTransfer.Floats(host);
        int blockSize = cache.BlockSize;
        for (int start = 0; start < length; start += blockSize)
        {
            int rows = Math.Min(blockSize, length - start);
            cache.GetBlock(layer, stream, BlockOf(table, start, blockSize))[..(rows * width)].CopyTo(target.Slice(start * width, rows * width));
        }

        return _device.type == DeviceType.CPU ? host : host.to(_device);
    }

    private static int BlockOf(int[] table, int position, int blockSize)
    {
        int index = position / blockSize;
        return index < table.Length
            ? table[index]
            : throw new InvalidOperationException($"Attention: position {position} needs block {index} of a block table with {table.Length} blocks");
    }

    private static void CheckLayout(IKvCache cache, AttentionParams p, int keyWidth, int valueWidth)
    {
        KvCacheLayout layout = cache.Layout;
        if (p.KvHeadCount <= 0 || p.HeadCount % p.KvHeadCount != 0 || p.Layer < 0 || p.Layer >= layout.LayerCount
            || layout.StreamWidths.Length < 2 || layout.StreamWidths[KeyStream] != keyWidth || layout.StreamWidths[ValueStream] != valueWidth)
        {
            throw new InvalidOperationException(
                $"Attention: layer {p.Layer} with {p.HeadCount} query heads, {p.KvHeadCount} KV heads, key width {keyWidth} and value width {valueWidth} does not fit a KV cache of {layout.LayerCount} layers and streams [{string.Join(", ", layout.StreamWidths)}]");
        }
    }
}
