using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// Element-wise ops, RmsNorm and Softmax against double-precision loops over many row lengths (0 rows, 1 value,
/// odd lengths, vector tails). Tolerances: Add/Mul/Scale 1e-6·(|a|+|b|) (one F32 rounding); Silu/SwiGlu 1e-5·|y| + 1e-10;
/// RmsNorm 1e-5·|y|; Softmax 1e-5·y + 1e-9.
/// </summary>
public sealed class ElementwiseTests
{
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int columns in new[] { 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257 })
        {
            data.Add(columns, columns % 2 == 0 ? 3 : 1);
        }

        data.Add(16, 0);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Binary_and_unary_ops_match_double_loops(int columns, int rows)
    {
        var graph = new OpGraph();
        GraphTensor a = graph.Activation(columns, "a");
        GraphTensor b = graph.Activation(columns, "b");
        GraphTensor add = graph.Builder.Add(a, b);
        GraphTensor mul = graph.Builder.Mul(a, b);
        GraphTensor swiglu = graph.Builder.SwiGlu(a, b);
        GraphTensor silu = graph.Builder.Silu(a);
        GraphTensor scale = graph.Builder.Scale(a, 0.37f);
        var context = new TestExecutionContext(Data.Batch(rows));
        float[] av = Data.Gaussian(rows * columns, seed: columns, scale: 4f);
        float[] bv = Data.Gaussian(rows * columns, seed: columns + 1000, scale: 4f);
        context.Set(a, av);
        context.Set(b, bv);
        using CpuBackend backend = Support.Backends.Create(1);
        backend.Execute([graph.NodeOf(add), graph.NodeOf(mul), graph.NodeOf(swiglu), graph.NodeOf(silu), graph.NodeOf(scale)], context);

        static double Silu(double v) => v / (1 + Math.Exp(-v));
        int n = av.Length;
        Data.AssertClose(Enumerable.Range(0, n).Select(i => (float)((double)av[i] + bv[i])).ToArray(), context.GetF32(add), i => 1e-6 * (Math.Abs(av[i]) + Math.Abs(bv[i])), "Add");
        Data.AssertClose(Enumerable.Range(0, n).Select(i => (float)((double)av[i] * bv[i])).ToArray(), context.GetF32(mul), i => 1e-6 * Math.Abs((double)av[i] * bv[i]), "Mul");
        Data.AssertClose(Enumerable.Range(0, n).Select(i => (float)(Silu(av[i]) * bv[i])).ToArray(), context.GetF32(swiglu), i => (1e-5 * Math.Abs(Silu(av[i]) * bv[i])) + 1e-10, "SwiGlu");
        Data.AssertClose(Enumerable.Range(0, n).Select(i => (float)Silu(av[i])).ToArray(), context.GetF32(silu), i => (1e-5 * Math.Abs(Silu(av[i]))) + 1e-10, "Silu");
        Data.AssertClose(Enumerable.Range(0, n).Select(i => (float)(av[i] * 0.37)).ToArray(), context.GetF32(scale), i => 1e-6 * Math.Abs(av[i] * 0.37), "Scale");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RmsNorm_matches_a_double_loop(int columns, int rows)
    {
        float[] weightValues = Data.Gaussian(columns, seed: 3);
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(columns);
        GraphTensor y = graph.Builder.RmsNorm(x, graph.Builder.Weight(TestWeights.Create("norm", DType.F32, 1, columns, weightValues)), 1e-5f);
        var context = new TestExecutionContext(Data.Batch(rows));
        float[] xv = Data.Gaussian(rows * columns, seed: columns, scale: 3f);
        context.Set(x, xv);
        using CpuBackend backend = Support.Backends.Create(2);
        backend.Execute([graph.NodeOf(y)], context);

        var expected = new float[xv.Length];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < columns; i++)
            {
                ss += (double)xv[(r * columns) + i] * xv[(r * columns) + i];
            }

            double inv = 1 / Math.Sqrt((ss / columns) + 1e-5);
            for (int i = 0; i < columns; i++)
            {
                expected[(r * columns) + i] = (float)(xv[(r * columns) + i] * inv * weightValues[i]);
            }
        }

        Data.AssertClose(expected, context.GetF32(y), i => (1e-5 * Math.Abs(expected[i])) + 1e-30, "RmsNorm");
    }

    [Fact]
    public void RmsNorm_accepts_an_f16_norm_weight()
    {
        const int columns = 40;
        float[] weightValues = Data.Gaussian(columns, seed: 9);
        WeightTensor norm = TestWeights.Create("norm16", DType.F16, 1, columns, weightValues);
        float[] decoded = TestWeights.Decode(norm);
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(columns);
        GraphTensor y = graph.Builder.RmsNorm(x, graph.Builder.Weight(norm), 1e-6f);
        var context = new TestExecutionContext(Data.Batch(1));
        context.Set(x, Enumerable.Repeat(2f, columns).ToArray());
        using CpuBackend backend = Support.Backends.Create(1);
        backend.Execute([graph.NodeOf(y)], context);

        Data.AssertClose(decoded, context.GetF32(y), i => 1e-5 * Math.Abs(decoded[i]), "RmsNorm F16 weight");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Softmax_matches_a_double_loop_and_is_stable_for_large_inputs(int columns, int rows)
    {
        var graph = new OpGraph();
        GraphTensor x = graph.Activation(columns);
        GraphTensor y = graph.Builder.Softmax(x);
        var context = new TestExecutionContext(Data.Batch(rows));
        float[] xv = Data.Gaussian(rows * columns, seed: columns, scale: 5f);
        for (int i = 0; i < xv.Length; i += 3)
        {
            xv[i] += 200f; // would overflow exp without the max subtraction
        }

        context.Set(x, xv);
        using CpuBackend backend = Support.Backends.Create(1);
        backend.Execute([graph.NodeOf(y)], context);

        var expected = new float[xv.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int i = 0; i < columns; i++)
            {
                max = Math.Max(max, xv[(r * columns) + i]);
            }

            for (int i = 0; i < columns; i++)
            {
                sum += Math.Exp(xv[(r * columns) + i] - max);
            }

            for (int i = 0; i < columns; i++)
            {
                expected[(r * columns) + i] = (float)(Math.Exp(xv[(r * columns) + i] - max) / sum);
            }
        }

        Data.AssertClose(expected, context.GetF32(y), i => (1e-5 * expected[i]) + 1e-9, "Softmax");
    }
}
