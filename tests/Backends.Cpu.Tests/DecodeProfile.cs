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
    private void Print(string title, Dictionary<string, double> times)
    {
        output.WriteLine($"{title}: total {times.Values.Sum() * 1e3:F2} ms");
        foreach ((string key, double t) in times.OrderByDescending(kv => kv.Value))
        {
            output.WriteLine($"   {key,-22} {t * 1e3,8:F3} ms");
        }
    }

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

                Print($"{type} threads={threads} decode", times);

                const int chunk = 128;
                var prefill = new StepBatch(chunk);
                prefill.Add(1, Enumerable.Range(0, chunk).ToArray(), 0, table, wantLogits: true);
                var prefillContext = new TestExecutionContext(prefill, cache, threads);
                times.Clear();
                for (int repeat = 0; repeat < 2; repeat++)
                {
                    foreach (GraphNode node in model.Graph.Nodes)
                    {
                        long start = Stopwatch.GetTimestamp();
                        backend.Execute([node], prefillContext);
                        string key = node.Op == OpKind.MatMul ? $"MatMul {node.Inputs[1].Weight!.Rows}x{node.Inputs[1].Weight!.Columns}" : node.Op.ToString();
                        times[key] = times.GetValueOrDefault(key) + (repeat == 1 ? Stopwatch.GetElapsedTime(start).TotalSeconds : 0);
                    }
                }

                Print($"{type} threads={threads} prefill of {chunk} tokens", times);
            }
        }
    }
}
