using System.Diagnostics;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;
using Xunit.Abstractions;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// Decode speed of a ~130M-parameter LLaMA-shaped graph (vocab 32000, dim 768, 12 layers, 12 heads / 4 KV heads,
/// ffn 2048) on 1 and 2 threads, with the bandwidth ceiling (weight bytes per token at the measured GB/s).
/// Run with LLMF_BENCHMARKS=1 and a console logger at normal verbosity.
/// </summary>
public sealed class DecodeThroughput(ITestOutputHelper output)
{
    [BenchmarkFact]
    public void Report_decode_tokens_per_second()
    {
        foreach (DType type in new[] { DType.F16, DType.Q8_0, DType.Q4_K })
        {
            var model = new MiniLlama(type, vocab: 32000, dim: 768, heads: 12, kvHeads: 4, ffn: 2048, layers: 12);
            var cache = new TestKvCache(new KvCacheLayout(12, [4 * 64, 4 * 64], 512), 16, 40);
            int[] table = Enumerable.Range(0, 40).ToArray();
            foreach (int threads in new[] { 1, 2 })
            {
                using CpuBackend backend = Support.Backends.Create(threads);
                var batch = new StepBatch(1);
                double best = double.MaxValue, total = 0;
                const int tokens = 60;
                for (int position = 0; position < tokens; position++)
                {
                    batch.Clear();
                    batch.Add(0, [position % 31999], position, table, wantLogits: true);
                    var context = new TestExecutionContext(batch, cache, threads);
                    long start = Stopwatch.GetTimestamp();
                    backend.Execute(model.Graph.Nodes, context);
                    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    if (position >= 10)
                    {
                        best = Math.Min(best, seconds);
                        total += seconds;
                    }
                }

                double mean = total / (tokens - 10);
                output.WriteLine($"{type,-5} threads={threads}: {1 / mean,6:F1} tok/s mean, {1 / best,6:F1} tok/s best; {model.WeightBytesPerToken / 1e6:F0} MB/token -> {model.WeightBytesPerToken / mean / 1e9:F1} GB/s effective");

                const int chunk = 128;
                var prefill = new StepBatch(chunk);
                prefill.Add(1, Enumerable.Range(0, chunk).ToArray(), 0, table, wantLogits: true);
                var prefillContext = new TestExecutionContext(prefill, cache, threads);
                backend.Execute(model.Graph.Nodes, prefillContext);
                long begin = Stopwatch.GetTimestamp();
                backend.Execute(model.Graph.Nodes, prefillContext);
                output.WriteLine($"{type,-5} threads={threads}: prefill of {chunk} tokens {chunk / Stopwatch.GetElapsedTime(begin).TotalSeconds,7:F0} tok/s");
            }
        }
    }
}
