using System.Runtime.CompilerServices;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// What the attention kernels over the paged KV cache share: nodes of (queries, stream-0 rows, stream-1 rows) whose
/// rows are stored at the tokens' positions first; threads claiming (token, head) items from a counter, each with a
/// per-thread score row of one value per attended position; cache rows found through the sequence's block table; and
/// the softmax-weighted sum of one stream's rows, block by block.
/// </summary>
internal abstract unsafe class PagedAttentionWork : ParallelWork
{
    private float[][] _scores = [];
    private int _heads;
    private int _items;
    private int _nextItem;

    /// <summary>The step's context while a dispatch runs.</summary>
    protected IExecutionContext Context { get; private set; } = null!;

    /// <summary>The node's query rows while a dispatch runs.</summary>
    protected float* Queries { get; private set; }

    /// <summary>The node's output rows while a dispatch runs.</summary>
    protected float* Outputs { get; private set; }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public sealed override void Run(int worker, int workerCount)
    {
        int item;
        fixed (float* scores = _scores[worker])
        {
            StepBatch batch = Context.Batch;
            while ((item = Interlocked.Increment(ref _nextItem) - 1) < _items)
            {
                int token = item / _heads;
                int[] table = batch.Sequences[batch.SequenceOfToken[token]].BlockTable;
                Attend(token, item % _heads, table, batch.Positions[token] + 1, scores);
            }
        }
    }

    /// <summary>The cache block holding <paramref name="position"/> of the sequence with block table <paramref name="table"/>.</summary>
    protected static Span<float> BlockOf(IKvCache cache, int layer, int stream, int[] table, int position)
    {
        int blockIndex = position / cache.BlockSize;
        if (blockIndex >= table.Length)
        {
            throw new InvalidOperationException($"KV cache position {position} needs block {blockIndex} of a block table with {table.Length} blocks");
        }

        return cache.GetBlock(layer, stream, table[blockIndex]);
    }

    /// <summary>The cache row of <paramref name="position"/> (<paramref name="width"/> values).</summary>
    protected static Span<float> Slot(IKvCache cache, int layer, int stream, int[] table, int position, int width) =>
        BlockOf(cache, layer, stream, table, position).Slice(position % cache.BlockSize * width, width);

    /// <summary>
    /// y = Σ_j p_j row_j[offset .. offset + dim) over positions 0..length-1 of one stream (<paramref name="width"/> values
    /// per row), p being the softmax of <paramref name="scores"/> (whose largest is <paramref name="max"/>; overwritten).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected static void WeightedSum(IKvCache cache, int layer, int stream, int[] table, float* scores, int length, float max, int offset, int width, int dim, float* y)
    {
        var scoreSpan = new Span<float>(scores, length);
        ElementwiseOps.WithScalar<ExpSubtractOp>(scoreSpan, max, scoreSpan);
        float sum = Reductions.Sum(scoreSpan);
        new Span<float>(y, dim).Clear();
        for (int start = 0; start < length; start += cache.BlockSize)
        {
            int count = Math.Min(cache.BlockSize, length - start);
            fixed (float* values = BlockOf(cache, layer, stream, table, start))
            {
                AttentionKernels.AccumulateValues(scores + start, values + offset, width, dim, count, y);
            }
        }

        var output = new Span<float>(y, dim);
        ElementwiseOps.WithScalar<MultiplyOp>(output, 1f / sum, output);
    }

    /// <summary>
    /// Runs an attention node whose inputs are (queries, rows of stream 0, rows of stream 1): checks the layer's stream
    /// widths, stores every token's two rows at its position, then runs <see cref="Attend"/> for every (token, head)
    /// on up to <paramref name="threads"/> threads with <see cref="Context"/>, <see cref="Queries"/> and
    /// <see cref="Outputs"/> set.
    /// </summary>
    protected void RunNode(WorkerPool pool, int threads, GraphNode node, IExecutionContext context, int layer, int heads, (string Name, int Width) first, (string Name, int Width) second)
    {
        IKvCache cache = context.KvCache;
        KvCacheLayout layout = cache.Layout;
        if (layer < 0 || layer >= layout.LayerCount || layout.StreamWidths.Length < 2
            || layout.StreamWidths[0] != first.Width || layout.StreamWidths[1] != second.Width)
        {
            throw new InvalidOperationException(
                $"{node.Op}: layer {layer} with {first.Name} width {first.Width} and {second.Name} width {second.Width} does not fit a KV cache of {layout.LayerCount} layers and streams [{string.Join(", ", layout.StreamWidths)}]");
        }

        StoreRows(cache, context.Batch, layer, 0, context.GetF32(node.Inputs[1]), first.Width);
        int maxLength = StoreRows(cache, context.Batch, layer, 1, context.GetF32(node.Inputs[2]), second.Width);
        EnsureScores(threads, maxLength);
        _heads = heads;
        _items = context.Batch.TokenCount * heads;
        _nextItem = 0;
        Context = context;
        try
        {
            fixed (float* q = context.GetF32(node.Inputs[0]))
            fixed (float* y = context.GetF32(node.Output))
            {
                Queries = q;
                Outputs = y;
                pool.Run(this, Math.Min(threads, Math.Max(1, _items)));
            }
        }
        finally
        {
            Context = null!;
            Queries = null;
            Outputs = null;
        }
    }

    /// <summary>
    /// Head <paramref name="head"/> of token <paramref name="token"/>, which attends to positions 0..<paramref name="length"/>-1
    /// of the sequence with block table <paramref name="table"/>; <paramref name="scores"/> holds at least that many values.
    /// </summary>
    protected abstract void Attend(int token, int head, int[] table, int length, float* scores);

    /// <summary>Stores each token's row of <paramref name="rows"/> in <paramref name="stream"/> at the token's position; returns the longest attended length.</summary>
    private static int StoreRows(IKvCache cache, StepBatch batch, int layer, int stream, ReadOnlySpan<float> rows, int width)
    {
        int maxLength = 0;
        for (int t = 0; t < batch.TokenCount; t++)
        {
            int position = batch.Positions[t];
            rows.Slice(t * width, width).CopyTo(Slot(cache, layer, stream, batch.Sequences[batch.SequenceOfToken[t]].BlockTable, position, width));
            maxLength = Math.Max(maxLength, position + 1);
        }

        return maxLength;
    }

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
