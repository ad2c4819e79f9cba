using System.Runtime.CompilerServices;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Threading;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// <see cref="OpKind.LatentAttention"/> (MLA, absorbed form) over the paged KV cache: first writes every token's latent
/// c (stream 0) and rope key kr (stream 1) at its position, then threads claim (token, head) items; each item scores
/// positions 0..p block by block as Scale·(q_c·c_j + q_r·kr_j), takes a max-subtracted softmax and sums the latents
/// c_j. Every head reads the same latent and rope-key rows (one shared "KV head").
/// </summary>
internal sealed unsafe class LatentAttentionWork : PagedAttentionWork
{
    private const int LatentStream = 0;
    private const int RopeStream = 1;

    private LatentAttentionParams _p = null!;

    public void Run(WorkerPool pool, int threads, GraphNode node, IExecutionContext context)
    {
        LatentAttentionParams p = node.GetParams<LatentAttentionParams>();
        _p = p;
        RunNode(pool, threads, node, context, p.Layer, p.HeadCount, ("latent", p.LatentDim), ("rope", p.RopeDim));
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Attend(int token, int head, int[] table, int length, float* scores)
    {
        LatentAttentionParams p = _p;
        IKvCache cache = Context.KvCache;
        int c = p.LatentDim;
        int rd = p.RopeDim;
        int blockSize = cache.BlockSize;
        long item = ((long)token * p.HeadCount) + head;
        float* q = Queries + (item * (c + rd));
        float max = float.NegativeInfinity;
        for (int start = 0; start < length; start += blockSize)
        {
            int count = Math.Min(blockSize, length - start);
            fixed (float* latents = BlockOf(cache, p.Layer, LatentStream, table, start))
            fixed (float* ropeKeys = BlockOf(cache, p.Layer, RopeStream, table, start))
            {
                AttentionKernels.Scores(q, latents, c, c, count, p.Scale, scores + start, float.NegativeInfinity);
                max = AttentionKernels.AddScores(q + c, ropeKeys, rd, rd, count, p.Scale, scores + start, max);
            }
        }

        WeightedSum(cache, p.Layer, LatentStream, table, scores, length, max, 0, c, c, Outputs + (item * c));
    }
}
