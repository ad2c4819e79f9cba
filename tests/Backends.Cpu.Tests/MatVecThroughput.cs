using System.Diagnostics;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;
using Xunit.Abstractions;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// Matrix-vector throughput in GB/s of weight bytes for a 2048x2048 weight with 1 and 2 threads: "hot" reuses one
/// matrix (cache-resident after the first call), "cold" cycles through 24 of them (~100-200 MB, memory-bound).
/// Run with LLMF_BENCHMARKS=1 and a console logger at normal verbosity to see the numbers.
/// </summary>
public sealed class MatVecThroughput(ITestOutputHelper output)
{
    [BenchmarkFact]
    public void Report_matvec_bandwidth()
    {
        foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
        {
            const int n = 2048, k = 2048, matrices = 24;
            float[] values = Data.Gaussian(n * k, seed: 1);
            var graph = new OpGraph();
            GraphTensor x = graph.Activation(k);
            var outputs = new GraphTensor[matrices];
            for (int m = 0; m < matrices; m++)
            {
                outputs[m] = graph.Builder.MatMul(x, graph.Builder.Weight(TestWeights.Create($"w{m}", type, n, k, values)));
            }

            GraphNode[] nodes = outputs.Select(graph.NodeOf).ToArray();
            var context = new TestExecutionContext(Data.Batch(1));
            context.Set(x, Data.Gaussian(k, seed: 2));
            double bytes = DTypeInfo.RowBytes(type, k) * (double)n;
            foreach (int threads in new[] { 1, 2 })
            {
                using CpuBackend backend = Support.Backends.Create(threads);
                double hot = Measure(backend, [nodes[0]], context, bytes, 200);
                double cold = Measure(backend, nodes, context, bytes * matrices, 15);
                output.WriteLine($"{type,-5} 2048x2048 threads={threads}: hot {hot,6:F1} GB/s, cold {cold,6:F1} GB/s");
            }
        }
    }

    private static double Measure(CpuBackend backend, GraphNode[] nodes, TestExecutionContext context, double bytesPerRun, int runs)
    {
        // Best of many runs: the machine is shared, and the fastest run is the one least disturbed by others.
        backend.Execute(nodes, context);
        double best = double.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            backend.Execute(nodes, context);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }

        return bytesPerRun / best / 1e9;
    }
}
