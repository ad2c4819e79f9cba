using System.Runtime.CompilerServices;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.Attention"/> over the paged KV cache: first writes every token's k and v rows at its position
/// (streams 0 and 1 of the layer), then threads claim (token, query head) items; each item scores positions
/// 0..p of the token's sequence block by block, takes a max-subtracted softmax and sums the value rows.
/// </summary>
internal sealed unsafe class AttentionWork : ParallelWork
{
    private const int KeyStream = 0;
    private const int ValueStream = 1;

    private float[][] _scores = [];
    private IExecutionContext _context = null!;
    private AttentionParams _p = null!;
    private float* _q;
    private float* _y;
    private int _items;
    private int _nextItem;

    public void Run(WorkerPool pool, int threads, GraphNode node, IExecutionContext context)
    {
        AttentionParams p = node.GetParams<AttentionParams>();
        IKvCache cache = context.KvCache;
        StepBatch batch = context.Batch;
        int keyWidth = p.KvHeadCount * p.KeyDim;
        int valueWidth = p.KvHeadCount * p.ValueDim;
        KvCacheLayout layout = cache.Layout;
        if (p.Layer < 0 || p.Layer >= layout.LayerCount || layout.StreamWidths.Length < 2
            || layout.StreamWidths[KeyStream] != keyWidth || layout.StreamWidths[ValueStream] != valueWidth)
        {
            throw new InvalidOperationException(
                $"Attention: layer {p.Layer} with key width {keyWidth} and value width {valueWidth} does not fit a KV cache of {layout.LayerCount} layers and streams [{string.Join(", ", layout.StreamWidths)}]");
        }

        int tokens = batch.TokenCount;
        ReadOnlySpan<float> k = context.GetF32(node.Inputs[1]);
        ReadOnlySpan<float> v = context.GetF32(node.Inputs[2]);
        int maxLength = 0;
        for (int t = 0; t < tokens; t++)
        {
            int[] table = batch.Sequences[batch.SequenceOfToken[t]].BlockTable;
            int position = batch.Positions[t];
            k.Slice(t * keyWidth, keyWidth).CopyTo(Slot(cache, p.Layer, KeyStream, table, position, keyWidth));
            v.Slice(t * valueWidth, valueWidth).CopyTo(Slot(cache, p.Layer, ValueStream, table, position, valueWidth));
            maxLength = Math.Max(maxLength, position + 1);
        }

        EnsureScores(threads, maxLength);
        _context = context;
        _p = p;
        _items = tokens * p.HeadCount;
        _nextItem = 0;
        fixed (float* q = context.GetF32(node.Inputs[0]))
        fixed (float* y = context.GetF32(node.Output))
        {
            _q = q;
            _y = y;
            pool.Run(this, Math.Min(threads, Math.Max(1, _items)));
        }

        _context = null!;
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Run(int worker, int workerCount)
    {
        int item;
        fixed (float* scores = _scores[worker])
        {
            while ((item = Interlocked.Increment(ref _nextItem) - 1) < _items)
            {
                Attend(item / _p.HeadCount, item % _p.HeadCount, scores);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Attend(int token, int head, float* scores)
    {
        AttentionParams p = _p;
        StepBatch batch = _context.Batch;
        IKvCache cache = _context.KvCache;
        int[] table = batch.Sequences[batch.SequenceOfToken[token]].BlockTable;
        int length = batch.Positions[token] + 1;
        int kvHead = head / (p.HeadCount / p.KvHeadCount);
        int keyWidth = p.KvHeadCount * p.KeyDim;
        int valueWidth = p.KvHeadCount * p.ValueDim;
        int blockSize = cache.BlockSize;
        float* q = _q + ((long)token * p.HeadCount * p.KeyDim) + (head * p.KeyDim);
        float max = float.NegativeInfinity;
        for (int start = 0; start < length; start += blockSize)
        {
            int count = Math.Min(blockSize, length - start);
            fixed (float* keys = BlockOf(cache, p.Layer, KeyStream, table, start))
            {
                max = AttentionKernels.Scores(q, keys + (kvHead * p.KeyDim), keyWidth, p.KeyDim, count, p.Scale, scores + start, max);
            }
        }

        var scoreSpan = new Span<float>(scores, length);
        ElementwiseOps.WithScalar<ExpSubtractOp>(scoreSpan, max, scoreSpan);
        float sum = Reductions.Sum(scoreSpan);
        float* y = _y + ((long)token * p.HeadCount * p.ValueDim) + (head * p.ValueDim);
        new Span<float>(y, p.ValueDim).Clear();
        for (int start = 0; start < length; start += blockSize)
        {
            int count = Math.Min(blockSize, length - start);
            fixed (float* values = BlockOf(cache, p.Layer, ValueStream, table, start))
            {
                AttentionKernels.AccumulateValues(scores + start, values + (kvHead * p.ValueDim), valueWidth, p.ValueDim, count, y);
            }
        }

        var output = new Span<float>(y, p.ValueDim);
        ElementwiseOps.WithScalar<MultiplyOp>(output, 1f / sum, output);
    }

    private static Span<float> BlockOf(IKvCache cache, int layer, int stream, int[] table, int position)
    {
        int blockIndex = position / cache.BlockSize;
        if (blockIndex >= table.Length)
        {
            throw new InvalidOperationException($"Attention: position {position} needs block {blockIndex} of a block table with {table.Length} blocks");
        }

        return cache.GetBlock(layer, stream, table[blockIndex]);
    }

    private static Span<float> Slot(IKvCache cache, int layer, int stream, int[] table, int position, int width) =>
        BlockOf(cache, layer, stream, table, position).Slice(position % cache.BlockSize * width, width);

    private void EnsureScores(int threads, int length)
    {
        if (_scores.Length < threads)
        {
            Array.Resize(ref _scores, threads);
        }

        for (int i = 0; i < threads; i++)
        {
            if (_scores[i] is null || _scores[i].Length < length)
            {
                _scores[i] = GC.AllocateUninitializedArray<float>(Math.Max(length, 256) * 2);
            }
        }
    }
}
