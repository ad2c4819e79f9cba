using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance;

/// <summary>
/// The reference of <see cref="OpKind.LatentAttention"/> (MLA, absorbed form): stores every token's latent c
/// (stream 0) and rope key kr (stream 1) in the paged cache at its position, then for each token and head a softmax
/// over positions 0..p of its own sequence of Scale * (q_c . c_j + q_r . kr_j), in double, and the weighted sum of
/// the cached latents c_j. Every head shares the one latent and rope key per position (one "KV head").
/// </summary>
internal static class ReferenceLatentAttention
{
    public const int LatentStream = 0;
    public const int RopeStream = 1;

    public static void Execute(GraphNode node, IExecutionContext context)
    {
        LatentAttentionParams p = node.GetParams<LatentAttentionParams>();
        IKvCache cache = context.KvCache;
        StepBatch batch = context.Batch;
        CheckLayout(cache, p);
        int c = p.LatentDim;
        int rd = p.RopeDim;
        ReferenceAttention.Store(context, p.Layer, LatentStream, context.GetF32(node.Inputs[1]), c);
        ReferenceAttention.Store(context, p.Layer, RopeStream, context.GetF32(node.Inputs[2]), rd);
        ReadOnlySpan<float> q = context.GetF32(node.Inputs[0]);
        Span<float> y = context.GetF32(node.Output);
        int queryWidth = c + rd;
        for (int t = 0; t < batch.TokenCount; t++)
        {
            int[] blockTable = ReferenceAttention.BlockTableOf(batch, t);
            var scores = new double[batch.Positions[t] + 1];
            for (int h = 0; h < p.HeadCount; h++)
            {
                ReadOnlySpan<float> qc = q.Slice(((t * p.HeadCount) + h) * queryWidth, c);
                ReadOnlySpan<float> qr = q.Slice((((t * p.HeadCount) + h) * queryWidth) + c, rd);
                double max = double.NegativeInfinity;
                for (int j = 0; j < scores.Length; j++)
                {
                    Span<float> cj = ReferenceAttention.Slot(cache, p.Layer, LatentStream, blockTable, j, c);
                    Span<float> krj = ReferenceAttention.Slot(cache, p.Layer, RopeStream, blockTable, j, rd);
                    scores[j] = p.Scale * (ReferenceOps.Dot(qc, cj) + ReferenceOps.Dot(qr, krj));
                    max = Math.Max(max, scores[j]);
                }

                Span<float> yh = y.Slice(((t * p.HeadCount) + h) * c, c);
                ReferenceAttention.WeightedSum(scores, max, cache, p.Layer, LatentStream, blockTable, c, 0, yh);
            }
        }
    }

    /// <summary>Throws unless streams 0 and 1 of the node's layer have the latent and rope-key widths.</summary>
    public static void CheckLayout(IKvCache cache, LatentAttentionParams p)
    {
        KvCacheLayout layout = cache.Layout;
        if (p.Layer < 0 || p.Layer >= layout.LayerCount || layout.StreamWidths.Length < 2
            || layout.StreamWidths[LatentStream] != p.LatentDim || layout.StreamWidths[RopeStream] != p.RopeDim)
        {
            throw new InvalidOperationException(
                $"LatentAttention: layer {p.Layer} with latent width {p.LatentDim} and rope width {p.RopeDim} does not fit a KV cache of {layout.LayerCount} layers and streams [{string.Join(", ", layout.StreamWidths)}]");
        }
    }
}
