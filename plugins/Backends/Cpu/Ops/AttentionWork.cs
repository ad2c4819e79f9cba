using System.Runtime.CompilerServices;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.Attention"/> over the paged KV cache: first writes every token's k and v rows at its position
/// (streams 0 and 1 of the layer), then threads claim (token, query head) items; each item scores positions
/// 0..p of the token's sequence block by block, takes a max-subtracted softmax and sums the value rows.
/// </summary>
internal sealed unsafe class AttentionWork : PagedAttentionWork
{
    private const int KeyStream = 0;
    private const int ValueStream = 1;

    private AttentionParams _p = null!;

    public void Run(WorkerPool pool, int threads, GraphNode node, IExecutionContext context)
    {
        AttentionParams p = node.GetParams<AttentionParams>();
        _p = p;
        RunNode(pool, threads, node, context, p.Layer, p.HeadCount, ("key", p.KvHeadCount * p.KeyDim), ("value", p.KvHeadCount * p.ValueDim));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Attend(int token, int head, int[] table, int length, float* scores)
    {
        AttentionParams p = _p;
        IKvCache cache = Context.KvCache;
        int kvHead = head / (p.HeadCount / p.KvHeadCount);
        int keyWidth = p.KvHeadCount * p.KeyDim;
        int blockSize = cache.BlockSize;
        float* q = Queries + ((long)token * p.HeadCount * p.KeyDim) + (head * p.KeyDim);
        float max = float.NegativeInfinity;
        for (int start = 0; start < length; start += blockSize)
        {
            int count = Math.Min(blockSize, length - start);
            fixed (float* keys = BlockOf(cache, p.Layer, KeyStream, table, start))
            {
                max = AttentionKernels.Scores(q, keys + (kvHead * p.KeyDim), keyWidth, p.KeyDim, count, p.Scale, scores + start, max);
            }
        }

        float* y = Outputs + ((long)token * p.HeadCount * p.ValueDim) + (head * p.ValueDim);
        WeightedSum(cache, p.Layer, ValueStream, table, scores, length, max, kvHead * p.ValueDim, p.KvHeadCount * p.ValueDim, p.ValueDim, y);
    }
}
