using System.Diagnostics;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;
using Xunit.Abstractions;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>Time per op kind of a decode step of the ~130M graph (LLMF_BENCHMARKS=1), to see where a token's time goes.</summary>
public sealed class DecodeProfile(ITestOutputHelper output)
{
    [BenchmarkFact]
    public void Report_time_per_op_kind()
    {
        foreach (DType type in new[] { DType.Q8_0 })
        {
            var model = new MiniLlama(type, vocab: 32000, dim: 768, heads: 12, kvHeads: 4, ffn: 2048, layers: 12);
            var cache = new TestKvCache(new KvCacheLayout(12, [4 * 64, 4 * 64], 512), 16, 40);
            int[] table = Enumerable.Range(0, 40).ToArray();
            foreach (int threads in new[] { 1, 2 })
            {
                using CpuBackend backend = Support.Backends.Create(threads);
                var batch = new StepBatch(1);
                var times = new Dictionary<string, double>();
                for (int position = 0; position < 40; position++)
                {
                    batch.Clear();
                    batch.Add(0, [position], position, table, wantLogits: true);
                    var context = new TestExecutionContext(batch, cache, threads);
                    foreach (GraphNode node in model.Graph.Nodes)
                    {
                        long start = Stopwatch.GetTimestamp();
                        backend.Execute([node], context);
                        double s = Stopwatch.GetElapsedTime(start).TotalSeconds;
                        string key = node.Op == OpKind.MatMul ? $"MatMul {node.Inputs[1].Weight!.Rows}x{node.Inputs[1].Weight!.Columns}" : node.Op.ToString();
                        if (position >= 10)
                        {
                            times[key] = times.GetValueOrDefault(key) + (s / 30);
                        }
                    }
                }

                output.WriteLine($"{type} threads={threads}: total {times.Values.Sum() * 1e3:F2} ms/token");
                foreach ((string key, double t) in times.OrderByDescending(kv => kv.Value))
                {
                    output.WriteLine($"   {key,-22} {t * 1e3,7:F3} ms");
                }
            }
        }
    }
}
