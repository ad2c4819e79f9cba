using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Tests;

/// <summary>The per-head ops and latent attention of contract 1.2 against hand values and against the plain ops they stand for.</summary>
public sealed class ReferenceHeadOpsTests
{
    [Fact]
    public void HeadMatMul_multiplies_each_head_by_its_own_weight_rows()
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 4);
        WeightTensor w = h.Weight("w", DType.F32, [4, 2], [1, 1, 0, 1, 1, -1, 2, 0]);
        GraphNode node = h.Node(h.Builder.HeadMatMul(x, h.Builder.Weight(w), 2));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((2, 0)));
        float[] input = [1, 2, 3, 4, 5, 6, 7, 8];
        input.CopyTo(ctx.GetF32(x));

        ReferenceOps.Execute(node, ctx);

        // Head 0 ([1, 2], then [5, 6]) times rows [1, 1] and [0, 1]; head 1 ([3, 4], then [7, 8]) times rows [1, -1] and [2, 0].
        Assert.Equal([3f, 2, -1, 6, 11, 6, -1, 14], ctx.GetF32(node.Output).ToArray());
    }

    [Fact]
    public void SliceColumns_and_ConcatColumns_work_head_by_head()
    {
        using var h = new OpHarness();
        GraphTensor x = h.Input("x", 6);
        GraphTensor a = h.Input("a", 4);
        GraphTensor b = h.Input("b", 2);
        GraphTensor slice = h.Builder.SliceColumns(x, 2, 1, 2);
        GraphTensor concat = h.Builder.ConcatColumns(a, b, 2);
        ComputeGraph graph = h.Builder.Build(h.Builder.SelectOutputRows(concat));
        ConformanceExecutionContext ctx = OpHarness.Context(OpHarness.Batch((1, 0)));
        float[] xv = [0, 1, 2, 3, 4, 5];
        float[] av = [1, 2, 3, 4];
        float[] bv = [9, 8];
        xv.CopyTo(ctx.GetF32(x));
        av.CopyTo(ctx.GetF32(a));
        bv.CopyTo(ctx.GetF32(b));
        foreach (GraphNode node in graph.Nodes.Where(n => n.Output == slice || n.Output == concat))
        {
            ReferenceOps.Execute(node, ctx);
        }

        Assert.Equal([1f, 2, 4, 5], ctx.GetF32(slice).ToArray());
        Assert.Equal([1f, 2, 9, 3, 4, 8], ctx.GetF32(concat).ToArray());
    }

    [Fact]
    public void LatentAttention_equals_attention_with_one_kv_head_of_latent_plus_rope_key_keys_and_latent_values()
    {
        const int heads = 3, latent = 5, rope = 2;
        var random = new Random(7);
        StepBatch batch = OpHarness.Batch((3, 0), (1, 6), (2, 2));
        int tokens = batch.TokenCount;
        float[] Values(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 4) - 2))];
        float[] q = Values(tokens * heads * (latent + rope));
        float[] c = Values(tokens * latent);
        float[] kr = Values(tokens * rope);
        float[] cachedC = Values(8 * latent);
        float[] cachedKr = Values(8 * rope);

        using var mla = new OpHarness();
        GraphTensor qt = mla.Input("q", heads * (latent + rope));
        GraphTensor ct = mla.Input("c", latent);
        GraphTensor krt = mla.Input("kr", rope);
        GraphNode mlaNode = mla.Node(mla.Builder.LatentAttention(qt, ct, krt, new LatentAttentionParams(0, heads, latent, rope, 0.7f)));
        var mlaCache = new HostKvCache(new KvCacheLayout(1, [latent, rope], 64), 4, 16);
        ConformanceExecutionContext mlaContext = OpHarness.Context(batch, mlaCache);
        q.CopyTo(mlaContext.GetF32(qt));
        c.CopyTo(mlaContext.GetF32(ct));
        kr.CopyTo(mlaContext.GetF32(krt));

        using var mha = new OpHarness();
        GraphTensor q2 = mha.Input("q", heads * (latent + rope));
        GraphTensor k2 = mha.Input("k", latent + rope);
        GraphTensor v2 = mha.Input("v", latent);
        GraphNode mhaNode = mha.Node(mha.Builder.Attention(q2, k2, v2, new AttentionParams(0, heads, 1, latent + rope, latent, 0.7f)));
        var mhaCache = new HostKvCache(new KvCacheLayout(1, [latent + rope, latent], 64), 4, 16);
        ConformanceExecutionContext mhaContext = OpHarness.Context(batch, mhaCache);
        q.CopyTo(mhaContext.GetF32(q2));
        c.CopyTo(mhaContext.GetF32(v2));
        for (int t = 0; t < tokens; t++)
        {
            c.AsSpan(t * latent, latent).CopyTo(mhaContext.GetF32(k2).Slice(t * (latent + rope)));
            kr.AsSpan(t * rope, rope).CopyTo(mhaContext.GetF32(k2).Slice((t * (latent + rope)) + latent));
        }

        // The decode token of sequence 1 (position 6) and the chunk of sequence 2 (from 2) read earlier positions.
        foreach (SequenceSlice sequence in batch.Sequences)
        {
            for (int j = 0; j < sequence.StartPosition; j++)
            {
                cachedC.AsSpan(j * latent, latent).CopyTo(mlaCache.GetPosition(0, 0, sequence.BlockTable, j));
                cachedKr.AsSpan(j * rope, rope).CopyTo(mlaCache.GetPosition(0, 1, sequence.BlockTable, j));
                cachedC.AsSpan(j * latent, latent).CopyTo(mhaCache.GetPosition(0, 0, sequence.BlockTable, j));
                cachedKr.AsSpan(j * rope, rope).CopyTo(mhaCache.GetPosition(0, 0, sequence.BlockTable, j).Slice(latent));
                cachedC.AsSpan(j * latent, latent).CopyTo(mhaCache.GetPosition(0, 1, sequence.BlockTable, j));
            }
        }

        ReferenceOps.Execute(mlaNode, mlaContext);
        ReferenceOps.Execute(mhaNode, mhaContext);

        float[] expected = mhaContext.GetF32(mhaNode.Output).ToArray();
        float[] actual = mlaContext.GetF32(mlaNode.Output).ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }

        for (int t = 0; t < tokens; t++)
        {
            int[] table = batch.Sequences[batch.SequenceOfToken[t]].BlockTable;
            Assert.Equal(c.AsSpan(t * latent, latent).ToArray(), mlaCache.GetPosition(0, 0, table, batch.Positions[t]).ToArray());
            Assert.Equal(kr.AsSpan(t * rope, rope).ToArray(), mlaCache.GetPosition(0, 1, table, batch.Positions[t]).ToArray());
        }
    }

    [Fact]
    public void LatentAttention_refuses_a_cache_whose_streams_do_not_fit()
    {
        using var h = new OpHarness();
        GraphNode node = h.Node(h.Builder.LatentAttention(h.Input("q", 2 * 6), h.Input("c", 4), h.Input("kr", 2), new LatentAttentionParams(0, 2, 4, 2, 1f)));
        var cache = new HostKvCache(new KvCacheLayout(1, [4, 3], 64), 4, 4);
        Assert.Throws<InvalidOperationException>(() => ReferenceOps.Execute(node, OpHarness.Context(OpHarness.Batch((1, 0)), cache)));
    }
}
