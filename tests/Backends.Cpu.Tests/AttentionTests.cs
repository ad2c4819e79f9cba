using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Tests.Support;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// Attention over a paged cache with scattered block tables, a prefill chunk and a decode token of two sequences in
/// one step, grouped-query heads. Expected values: a double loop over the cache. Tolerance 1e-4·Σ_j p_j|v_j| + 1e-7.
/// </summary>
public sealed class AttentionTests
{
    [Theory]
    [InlineData(1, 4, 2, 8, 6, 4)]
    [InlineData(2, 4, 2, 8, 6, 4)]
    [InlineData(2, 6, 6, 5, 5, 3)]
    [InlineData(2, 8, 1, 64, 64, 16)]
    [InlineData(1, 2, 1, 33, 17, 1)]
    [InlineData(2, 4, 2, 128, 128, 5)]
    [InlineData(1, 3, 3, 128, 64, 7)]
    public void Attention_writes_the_cache_and_matches_a_double_loop(int threads, int hq, int hkv, int dk, int dv, int blockSize)
    {
        const int prefill = 5, decodeStart = 7;
        var p = new AttentionParams(Layer: 1, hq, hkv, dk, dv, Scale: 1f / MathF.Sqrt(dk));
        var cache = new TestKvCache(new KvCacheLayout(2, [hkv * dk, hkv * dv], 64), blockSize, 16);
        int[] tableA = [9, 3, 14, 0, 5];
        int[] tableB = [2, 11, 6, 1, 8, 12, 13, 10];
        var batch = new StepBatch(8);
        batch.Add(0, new int[prefill], 0, tableA, wantLogits: true);
        batch.Add(1, new int[1], decodeStart, tableB, wantLogits: true);
        int tokens = batch.TokenCount;

        // Sequence B already has positions 0..6 in the cache.
        float[] history = Data.Gaussian(decodeStart * hkv * (dk + dv), seed: 77);
        for (int pos = 0; pos < decodeStart; pos++)
        {
            history.AsSpan(pos * hkv * dk, hkv * dk).CopyTo(Slot(cache, 1, 0, tableB, pos));
            history.AsSpan((decodeStart * hkv * dk) + (pos * hkv * dv), hkv * dv).CopyTo(Slot(cache, 1, 1, tableB, pos));
        }

        var graph = new OpGraph();
        GraphTensor q = graph.Activation(hq * dk, "q");
        GraphTensor k = graph.Activation(hkv * dk, "k");
        GraphTensor v = graph.Activation(hkv * dv, "v");
        GraphTensor y = graph.Builder.Attention(q, k, v, p);
        var context = new TestExecutionContext(batch, cache);
        float[] qv = Data.Gaussian(tokens * hq * dk, seed: 1, scale: 2f);
        float[] kv = Data.Gaussian(tokens * hkv * dk, seed: 2, scale: 2f);
        float[] vv = Data.Gaussian(tokens * hkv * dv, seed: 3);
        context.Set(q, qv);
        context.Set(k, kv);
        context.Set(v, vv);
        using CpuBackend backend = Support.Backends.Create(threads);
        backend.Execute([graph.NodeOf(y)], context);

        for (int t = 0; t < tokens; t++)
        {
            int[] table = batch.Sequences[batch.SequenceOfToken[t]].BlockTable;
            Assert.Equal(kv.AsSpan(t * hkv * dk, hkv * dk).ToArray(), Slot(cache, 1, 0, table, batch.Positions[t]).ToArray());
            Assert.Equal(vv.AsSpan(t * hkv * dv, hkv * dv).ToArray(), Slot(cache, 1, 1, table, batch.Positions[t]).ToArray());
        }

        var expected = new float[tokens * hq * dv];
        var tolerance = new double[expected.Length];
        for (int t = 0; t < tokens; t++)
        {
            int[] table = batch.Sequences[batch.SequenceOfToken[t]].BlockTable;
            int length = batch.Positions[t] + 1;
            for (int h = 0; h < hq; h++)
            {
                int g = h / (hq / hkv);
                var scores = new double[length];
                for (int j = 0; j < length; j++)
                {
                    Span<float> key = Slot(cache, 1, 0, table, j).Slice(g * dk, dk);
                    for (int i = 0; i < dk; i++)
                    {
                        scores[j] += (double)qv[(t * hq * dk) + (h * dk) + i] * key[i];
                    }

                    scores[j] *= p.Scale;
                }

                double max = scores.Max();
                double sum = scores.Sum(s => Math.Exp(s - max));
                for (int i = 0; i < dv; i++)
                {
                    double acc = 0, magnitude = 0;
                    for (int j = 0; j < length; j++)
                    {
                        double value = Slot(cache, 1, 1, table, j)[(g * dv) + i];
                        acc += Math.Exp(scores[j] - max) / sum * value;
                        magnitude += Math.Exp(scores[j] - max) / sum * Math.Abs(value);
                    }

                    expected[(t * hq * dv) + (h * dv) + i] = (float)acc;
                    tolerance[(t * hq * dv) + (h * dv) + i] = (1e-4 * magnitude) + 1e-7;
                }
            }
        }

        Data.AssertClose(expected, context.GetF32(y), i => tolerance[i], $"Attention hq={hq} hkv={hkv} threads={threads}");
    }

    [Fact]
    public void Attention_rejects_a_cache_whose_streams_do_not_fit()
    {
        var p = new AttentionParams(0, 2, 1, 4, 4, 0.5f);
        var cache = new TestKvCache(new KvCacheLayout(1, [8, 4], 16), 4, 2);
        var graph = new OpGraph();
        GraphTensor y = graph.Builder.Attention(graph.Activation(8, "q"), graph.Activation(4, "k"), graph.Activation(4, "v"), p);
        var context = new TestExecutionContext(Data.Batch(1, 0, [0]), cache);
        using CpuBackend backend = Support.Backends.Create(1);

        var ex = Assert.Throws<InvalidOperationException>(() => backend.Execute([graph.NodeOf(y)], context));
        Assert.Contains("does not fit", ex.Message, StringComparison.Ordinal);
    }

    private static Span<float> Slot(TestKvCache cache, int layer, int stream, int[] table, int position)
    {
        int width = cache.Layout.StreamWidths[stream];
        return cache.GetBlock(layer, stream, table[position / cache.BlockSize]).Slice(position % cache.BlockSize * width, width);
    }
}
