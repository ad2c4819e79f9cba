using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance;

/// <summary>
/// The reference of <see cref="OpKind.Attention"/>: stores every token's k and v rows in the paged cache at its
/// position, then for each token and query head a softmax over positions 0..p of its own sequence, in double.
/// </summary>
internal static class ReferenceAttention
{
    public const int KeyStream = 0;
    public const int ValueStream = 1;

    public static void Execute(GraphNode node, IExecutionContext context)
    {
        AttentionParams p = node.GetParams<AttentionParams>();
        IKvCache cache = context.KvCache;
        StepBatch batch = context.Batch;
        int keyWidth = p.KvHeadCount * p.KeyDim;
        int valueWidth = p.KvHeadCount * p.ValueDim;
        CheckLayout(cache, p, keyWidth, valueWidth);
        ReadOnlySpan<float> q = context.GetF32(node.Inputs[0]);
        ReadOnlySpan<float> k = context.GetF32(node.Inputs[1]);
        ReadOnlySpan<float> v = context.GetF32(node.Inputs[2]);
        Span<float> y = context.GetF32(node.Output);
        int tokens = batch.TokenCount;

        Store(context, p.Layer, KeyStream, k, keyWidth);
        Store(context, p.Layer, ValueStream, v, valueWidth);

        int group = p.HeadCount / p.KvHeadCount;
        int queryWidth = p.HeadCount * p.KeyDim;
        int outputWidth = p.HeadCount * p.ValueDim;
        for (int t = 0; t < tokens; t++)
        {
            int[] blockTable = BlockTableOf(batch, t);
            int length = batch.Positions[t] + 1;
            var scores = new double[length];
            for (int h = 0; h < p.HeadCount; h++)
            {
                int kvHead = h / group;
                ReadOnlySpan<float> qh = q.Slice((t * queryWidth) + (h * p.KeyDim), p.KeyDim);
                double max = double.NegativeInfinity;
                for (int j = 0; j < length; j++)
                {
                    Span<float> kj = Slot(cache, p.Layer, KeyStream, blockTable, j, keyWidth).Slice(kvHead * p.KeyDim, p.KeyDim);
                    scores[j] = ReferenceOps.Dot(qh, kj) * p.Scale;
                    max = Math.Max(max, scores[j]);
                }

                Span<float> yh = y.Slice((t * outputWidth) + (h * p.ValueDim), p.ValueDim);
                WeightedSum(scores, max, cache, p.Layer, ValueStream, blockTable, valueWidth, kvHead * p.ValueDim, yh);
            }
        }
    }

    /// <summary>
    /// The softmax of <paramref name="scores"/> (one per cached position 0..scores.Length-1, their largest being
    /// <paramref name="max"/>; overwritten) applied to the cached rows of one stream: y[i] = Σ_j p_j row_j[offset + i].
    /// </summary>
    public static void WeightedSum(double[] scores, double max, IKvCache cache, int layer, int stream, int[] blockTable, int width, int offset, Span<float> y)
    {
        double sum = 0;
        for (int j = 0; j < scores.Length; j++)
        {
            scores[j] = Math.Exp(scores[j] - max);
            sum += scores[j];
        }

        for (int i = 0; i < y.Length; i++)
        {
            double acc = 0;
            for (int j = 0; j < scores.Length; j++)
            {
                acc += scores[j] * Slot(cache, layer, stream, blockTable, j, width)[offset + i];
            }

            y[i] = (float)(acc / sum);
        }
    }

    /// <summary>Writes each token's row of <paramref name="rows"/> to <paramref name="stream"/> of the layer at the token's position.</summary>
    public static void Store(IExecutionContext context, int layer, int stream, ReadOnlySpan<float> rows, int width)
    {
        StepBatch batch = context.Batch;
        for (int t = 0; t < batch.TokenCount; t++)
        {
            rows.Slice(t * width, width).CopyTo(Slot(context.KvCache, layer, stream, BlockTableOf(batch, t), batch.Positions[t], width));
        }
    }

    /// <summary>The block table of the sequence of token <paramref name="token"/>.</summary>
    public static int[] BlockTableOf(StepBatch batch, int token) => batch.Sequences[batch.SequenceOfToken[token]].BlockTable;

    /// <summary>The cache row of <paramref name="position"/> through <paramref name="blockTable"/>.</summary>
    public static Span<float> Slot(IKvCache cache, int layer, int stream, int[] blockTable, int position, int width)
    {
        int blockIndex = position / cache.BlockSize;
        if (blockIndex >= blockTable.Length)
        {
            throw new InvalidOperationException($"KV cache position {position} needs block {blockIndex} of a block table with {blockTable.Length} blocks");
        }

        return cache.GetBlock(layer, stream, blockTable[blockIndex]).Slice(position % cache.BlockSize * width, width);
    }

    private static void CheckLayout(IKvCache cache, AttentionParams p, int keyWidth, int valueWidth)
    {
        KvCacheLayout layout = cache.Layout;
        if (p.Layer < 0 || p.Layer >= layout.LayerCount || layout.StreamWidths.Length < 2
            || layout.StreamWidths[KeyStream] != keyWidth || layout.StreamWidths[ValueStream] != valueWidth)
        {
            throw new InvalidOperationException(
                $"Attention: layer {p.Layer} with key width {keyWidth} and value width {valueWidth} does not fit a KV cache of {layout.LayerCount} layers and streams [{string.Join(", ", layout.StreamWidths)}]");
        }
    }
}
