using LlmFramework.Abstractions.Graph;
using LlmFramework.Backends.Cpu.Tests.Support;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>Rope against a double loop, both pairings, partial rotary dims, an attention factor. Tolerance 1e-5·(|x0|+|x1|)·(1 + 0.024·angle).</summary>
public sealed class RopeTests
{
    [Theory]
    [InlineData(RopeStyle.Interleaved, 2, 8, 8, 1f)]
    [InlineData(RopeStyle.NeoX, 2, 8, 8, 1f)]
    [InlineData(RopeStyle.Interleaved, 3, 10, 6, 1f)]
    [InlineData(RopeStyle.NeoX, 3, 10, 4, 1.3f)]
    [InlineData(RopeStyle.NeoX, 1, 64, 64, 0.9f)]
    [InlineData(RopeStyle.Interleaved, 4, 2, 2, 1f)]
    public void Rope_matches_a_double_loop(RopeStyle style, int heads, int headDim, int rotaryDim, float attentionFactor)
    {
        float[] inverse = Enumerable.Range(0, rotaryDim / 2).Select(i => MathF.Pow(10000f, -2f * i / rotaryDim)).ToArray();
        var p = new RopeParams(heads, headDim, rotaryDim, style, inverse, attentionFactor);
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(heads * headDim);
        GraphTensor y = graph.Builder.Rope(x, p);
        var batch = new Abstractions.Execution.StepBatch(8);
        batch.Add(0, new int[3], 0, [], true);
        batch.Add(1, new int[2], 1000, [], true);
        var context = new TestExecutionContext(batch);
        int cols = heads * headDim;
        float[] xv = Data.Gaussian(batch.TokenCount * cols, seed: headDim);
        context.Set(x, xv);
        using CpuBackend backend = Support.Backends.Create(1);
        backend.Execute([graph.NodeOf(y)], context);

        var expected = (float[])xv.Clone();
        var tolerance = new double[xv.Length];
        int half = rotaryDim / 2;
        for (int t = 0; t < batch.TokenCount; t++)
        {
            for (int h = 0; h < heads; h++)
            {
                int head = (t * cols) + (h * headDim);
                for (int i = 0; i < half; i++)
                {
                    double angle = batch.Positions[t] * (double)inverse[i];
                    double cos = Math.Cos(angle) * attentionFactor, sin = Math.Sin(angle) * attentionFactor;
                    int a = style == RopeStyle.Interleaved ? head + (2 * i) : head + i;
                    int b = style == RopeStyle.Interleaved ? a + 1 : a + half;
                    expected[a] = (float)((xv[a] * cos) - (xv[b] * sin));
                    expected[b] = (float)((xv[a] * sin) + (xv[b] * cos));
                    double m = (Math.Abs(xv[a]) + Math.Abs(xv[b])) * attentionFactor * (1 + (0.024 * angle));
                    tolerance[a] = tolerance[b] = 1e-5 * m;
                }
            }
        }

        Data.AssertClose(expected, context.GetF32(y), i => tolerance[i], $"Rope {style}");
    }

    [Fact]
    public void Rope_tables_follow_the_positions_of_each_step()
    {
        float[] inverse = [1f, 0.1f, 0.01f, 0.001f];
        var p = new RopeParams(1, 8, 8, RopeStyle.Interleaved, inverse);
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(8);
        GraphNode node = graph.NodeOf(graph.Builder.Rope(x, p));
        using CpuBackend backend = Support.Backends.Create(1);
        float[] ones = Enumerable.Repeat(1f, 8).ToArray();
        foreach (int position in new[] { 3, 3, 17, 0 })
        {
            var batch = new Abstractions.Execution.StepBatch(1);
            batch.Add(0, [0], position, [], true);
            var context = new TestExecutionContext(batch);
            context.Set(x, (float[])ones.Clone());
            backend.Execute([node], context);
            float angle = position * inverse[0];
            Assert.Equal(MathF.Cos(angle) - MathF.Sin(angle), context.GetF32(node.Output)[0], 1e-5f);
            Assert.Equal(MathF.Sin(angle) + MathF.Cos(angle), context.GetF32(node.Output)[1], 1e-5f);
        }
    }
}
