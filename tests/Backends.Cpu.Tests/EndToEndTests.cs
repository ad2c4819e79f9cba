using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Tests.Support;
using LlmFramework.Conformance;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// A two-layer LLaMA-shaped graph (and a one-layer DeepSeek-shaped one) run step by step (a ragged prefill of two sequences, then decode steps) on the CPU
/// backend and on the conformance suite's scalar reference (ReferenceOps). Logits must agree within
/// 1e-3·max|logit| for float weights, 3e-2·max|logit| for quantised ones (the backend quantises x to Q8 as ggml does).
/// </summary>
public sealed class EndToEndTests
{
    [Theory]
    [InlineData(DType.F32, 1)]
    [InlineData(DType.F16, 2)]
    [InlineData(DType.BF16, 1)]
    [InlineData(DType.Q8_0, 2)]
    [InlineData(DType.Q4_0, 1)]
    [InlineData(DType.Q4_K, 2)]
    [InlineData(DType.Q6_K, 2)]
    public void Prefill_and_decode_logits_match_the_reference(DType type, int threads)
    {
        var model = new MiniLlama(type);
        TestKvCache cpuCache = MiniLlama.NewCache(), referenceCache = MiniLlama.NewCache();
        using CpuBackend backend = Support.Backends.Create(threads);
        int[] tableA = [5, 1, 17, 9, 3, 22], tableB = [0, 14, 7, 2, 20, 11];
        double relative = DTypeInfo.IsQuantized(type) ? 3e-2 : 1e-3;

        var prefill = new StepBatch(16);
        prefill.Add(0, [1, 5, 9, 13, 17, 21, 25], 0, tableA, wantLogits: true);
        prefill.Add(1, [2, 4, 8], 0, tableB, wantLogits: true);
        Compare(model.Graph, backend, prefill, cpuCache, referenceCache, relative, threads);
        for (int step = 0; step < 3; step++)
        {
            var decode = new StepBatch(2);
            decode.Add(0, [30 + step], 7 + step, tableA, wantLogits: true);
            decode.Add(1, [60 + step], 3 + step, tableB, wantLogits: true);
            Compare(model.Graph, backend, decode, cpuCache, referenceCache, relative, threads);
        }
    }

    [Fact]
    public void Steady_state_decode_steps_allocate_nothing_on_the_calling_thread()
    {
        var model = new MiniLlama(DType.Q8_0);
        TestKvCache cache = MiniLlama.NewCache();
        using CpuBackend backend = Support.Backends.Create(2);
        var batch = new StepBatch(2);
        batch.Add(0, [3], 9, [5, 1, 17, 9], wantLogits: true);
        batch.Add(1, [4], 2, [0, 14], wantLogits: true);
        var context = new TestExecutionContext(batch, cache, threadCount: 2);
        backend.Execute(model.Graph.Nodes, context);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            backend.Execute(model.Graph.Nodes, context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void DeepSeek_shaped_prefill_and_decode_logits_match_the_reference()
    {
        var model = new MiniDeepSeek(DType.F32);
        TestKvCache cpuCache = MiniDeepSeek.NewCache(), referenceCache = MiniDeepSeek.NewCache();
        using CpuBackend backend = Support.Backends.Create(2);
        int[] tableA = [5, 1, 17, 9, 3, 22], tableB = [0, 14, 7, 2, 20, 11];

        var prefill = new StepBatch(16);
        prefill.Add(0, [1, 5, 9, 13, 17, 21, 25], 0, tableA, wantLogits: true);
        prefill.Add(1, [2, 4, 8], 0, tableB, wantLogits: true);
        Compare(model.Graph, backend, prefill, cpuCache, referenceCache, 1e-3, 2);
        for (int step = 0; step < 3; step++)
        {
            var decode = new StepBatch(2);
            decode.Add(0, [30 + step], 7 + step, tableA, wantLogits: true);
            decode.Add(1, [60 + step], 3 + step, tableB, wantLogits: true);
            Compare(model.Graph, backend, decode, cpuCache, referenceCache, 1e-3, 2);
        }
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.Q8_0)]
    public void Steady_state_deepseek_shaped_decode_steps_allocate_nothing_on_the_calling_thread(DType type)
    {
        var model = new MiniDeepSeek(type);
        using CpuBackend backend = Support.Backends.Create(2);
        var batch = new StepBatch(2);
        batch.Add(0, [3], 9, [5, 1, 17, 9], wantLogits: true);
        batch.Add(1, [4], 2, [0, 14], wantLogits: true);
        var context = new TestExecutionContext(batch, MiniDeepSeek.NewCache(), threadCount: 2);
        backend.Execute(model.Graph.Nodes, context);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            backend.Execute(model.Graph.Nodes, context);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Compare(ComputeGraph graph, CpuBackend backend, StepBatch batch, TestKvCache cpuCache, TestKvCache referenceCache, double relative, int threads)
    {
        var cpu = new TestExecutionContext(batch, cpuCache, threads);
        var reference = new TestExecutionContext(batch, referenceCache);
        backend.Execute(graph.Nodes, cpu);
        foreach (GraphNode node in graph.Nodes)
        {
            ReferenceOps.Execute(node, reference);
        }

        float[] expected = reference.GetF32(graph.Logits).ToArray();
        double max = expected.Max(v => Math.Abs(v));
        Assert.True(max > 0.1, "logits are degenerate");
        Data.AssertClose(expected, cpu.GetF32(graph.Logits), _ => relative * max, $"logits after {batch.TokenCount} tokens");
    }
}
