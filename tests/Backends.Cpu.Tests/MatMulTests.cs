using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// MatMul against a double-precision loop over the reference-decoded weights. Tolerance per output:
/// 1e-5 · Σ|x·w| for F32/F16/BF16 (F32 accumulation; F16/BF16 weights widen exactly), plus, for quantised weights,
/// the x-quantisation bound Σ_blocks (max|x_b| / 225) · Σ_b |w| (x rounded to 8-bit levels of max|x_b|/127: half a
/// step, plus up to 127 levels times the 2^-11 F16 rounding of the block scale, 0.5 + 0.062 = 0.562 of a step).
/// </summary>
public sealed class MatMulTests
{
    public static TheoryData<DType, int, int, int, int> Cases()
    {
        var data = new TheoryData<DType, int, int, int, int>();
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16 })
            {
                foreach (int k in new[] { 1, 3, 8, 15, 16, 17, 31, 33, 64, 100, 257 })
                {
                    data.Add(type, k, 5, k % 3 == 0 ? 3 : 1, threads);
                }

                data.Add(type, 96, 37, 9, threads);
                data.Add(type, 128, 67, 17, threads);
                data.Add(type, 32, 3, 0, threads);
                data.Add(type, 17, 6, 5, threads);
                data.Add(type, 3, 3, 4, threads);
                data.Add(type, 40, 9, 12, threads);
                data.Add(type, 48, 11, 65, threads); // the 2x4 tile's 64-row block, then a remainder row
                data.Add(type, 20, 7, 134, threads); // two full 64-row blocks and a 6-row block (a tile and two rows)
            }

            foreach (DType type in new[] { DType.Q8_0, DType.Q4_0 })
            {
                foreach (int k in new[] { 32, 64, 96, 160, 544 })
                {
                    data.Add(type, k, 7, 1, threads);
                }

                data.Add(type, 96, 37, 9, threads);
                data.Add(type, 64, 130, 17, threads);
                data.Add(type, 544, 11, 70, threads); // Q8_0 from 16 rows: dequantised weights through the float tiles (4x4, 2x4, a single row)
            }

            foreach (DType type in new[] { DType.Q4_K, DType.Q6_K })
            {
                data.Add(type, 256, 5, 1, threads);
                data.Add(type, 512, 9, 3, threads);
                data.Add(type, 768, 37, 9, threads);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_matches_the_reference_within_the_stated_tolerance(DType type, int k, int n, int rows, int threads)
    {
        float[] wValues = Data.Gaussian(n * k, seed: (k * 31) + n);
        WeightTensor w = TestWeights.Create("w", type, n, k, wValues);
        float[] wDecoded = TestWeights.Decode(w);
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(k);
        GraphTensor y = graph.Builder.MatMul(x, graph.Builder.Weight(w));
        GraphNode node = graph.NodeOf(y);
        var context = new TestExecutionContext(Data.Batch(rows));
        float[] xValues = Data.Gaussian(rows * k, seed: k + rows, scale: 2f);
        context.Set(x, xValues);

        using CpuBackend backend = Support.Backends.Create(threads);
        Assert.True(backend.Supports(node).IsSupported);
        backend.Execute([node], context);

        var expected = new float[rows * n];
        var tolerance = new double[rows * n];
        int blockSize = DTypeInfo.IsQuantized(type) ? 32 : 0;
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0, quantisation = 0;
                for (int i = 0; i < k; i++)
                {
                    double p = (double)xValues[(r * k) + i] * wDecoded[(j * k) + i];
                    sum += p;
                    magnitude += Math.Abs(p);
                }

                for (int b = 0; blockSize > 0 && b < k / blockSize; b++)
                {
                    double amax = 0, wAbs = 0;
                    for (int i = b * blockSize; i < (b + 1) * blockSize; i++)
                    {
                        amax = Math.Max(amax, Math.Abs(xValues[(r * k) + i]));
                        wAbs += Math.Abs(wDecoded[(j * k) + i]);
                    }

                    quantisation += amax / 127 * 0.5625 * wAbs;
                }

                expected[(r * n) + j] = (float)sum;
                tolerance[(r * n) + j] = (1e-5 * magnitude) + quantisation + 1e-30;
            }
        }

        Data.AssertClose(expected, context.GetF32(y), i => tolerance[i], $"{type} K={k} N={n} R={rows} threads={threads}");
    }

    [Fact]
    public void Large_f16_and_q8_0_matvec_runs_on_two_threads_and_agrees_with_one()
    {
        foreach (DType type in new[] { DType.F16, DType.Q8_0, DType.Q4_K })
        {
            const int k = 2048, n = 300;
            WeightTensor w = TestWeights.Create("w", type, n, k, Data.Gaussian(n * k, seed: 5));
            var graph = new OpGraph();
            GraphTensor x = graph.Activation(k);
            GraphTensor y = graph.Builder.MatMul(x, graph.Builder.Weight(w));
            GraphNode node = graph.NodeOf(y);
            float[] xValues = Data.Gaussian(k, seed: 6);
            var one = new TestExecutionContext(Data.Batch(1));
            var two = new TestExecutionContext(Data.Batch(1));
            one.Set(x, xValues);
            two.Set(x, (float[])xValues.Clone());
            using (CpuBackend b1 = Support.Backends.Create(1))
            {
                b1.Execute([node], one);
            }

            using (CpuBackend b2 = Support.Backends.Create(2))
            {
                for (int repeat = 0; repeat < 20; repeat++)
                {
                    b2.Execute([node], two);
                }
            }

            Assert.Equal(one.GetF32(y).ToArray(), two.GetF32(y).ToArray());
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(9, 1)]
    [InlineData(9, 5)]
    [InlineData(40, 70)]
    public void F16_weights_with_infinities_give_infinite_outputs(int k, int rows)
    {
        var values = new float[2 * k];
        values.AsSpan().Fill(0.5f);
        values[k - 1] = float.PositiveInfinity; // row 0 holds +inf; row 1 is finite
        WeightTensor w = TestWeights.Create("w", DType.F16, 2, k, values);
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(k);
        GraphTensor y = graph.Builder.MatMul(x, graph.Builder.Weight(w));
        var context = new TestExecutionContext(Data.Batch(rows));
        context.Set(x, Enumerable.Repeat(2f, rows * k).ToArray());
        using CpuBackend backend = Support.Backends.Create(1);
        backend.Execute([graph.NodeOf(y)], context);

        ReadOnlySpan<float> output = context.GetF32(y);
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(float.PositiveInfinity, output[2 * r]);
            Assert.Equal(k, output[(2 * r) + 1]);
        }
    }
}
