using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu;
using LlmFramework.Backends.Torch.Tests.Support;
using Xunit.Abstractions;

namespace LlmFramework.Backends.Torch.Tests;

/// <summary>
/// Random LLaMA test models (written by the LLaMA family, loaded from GGUF) run step by step on the torch backend, the
/// CPU backend and the scalar reference: a ragged prefill of two sequences, three decode steps, then a step mixing two
/// decode tokens with a third sequence's prefill, over scattered block tables in a cache of 4-token blocks.
/// Tolerances are fractions of the step's largest |logit|:
/// <list type="bullet">
/// <item>torch vs the reference: 1e-5 for every weight type (torch decodes the weights exactly as the reference does and
/// adds only F32 rounding; measured at most 6.2e-7);</item>
/// <item>torch vs cpu: 1e-5 for float weights (measured at most 6.8e-7), 3e-2 for quantised ones, the CPU backend's own
/// end-to-end tolerance (it quantises activations to 8 bits per block for quantised weights, as ggml does, while torch
/// multiplies the exact F32 activations; measured 1.4e-2 to 1.8e-2).</item>
/// </list>
/// Greedy picks (the arg-max of every logit row) must agree with the reference for every weight type.
/// </summary>
public sealed class LogitParityTests(ITestOutputHelper output)
{
    private const int BlockSize = 4;
    private const int Blocks = 64;
    private static readonly int[] TableA = [5, 1, 17, 9, 3, 22, 30, 12], TableB = [0, 14, 7, 2, 20, 11, 40, 41], TableC = [8, 33, 34, 35];

    [Theory]
    [InlineData(DType.F32, 1e-5)]
    [InlineData(DType.F16, 1e-5)]
    [InlineData(DType.BF16, 1e-5)]
    [InlineData(DType.Q8_0, 3e-2)]
    [InlineData(DType.Q4_0, 3e-2)]
    [InlineData(DType.Q4_K, 3e-2)]
    [InlineData(DType.Q6_K, 3e-2)]
    public void Prefill_and_decode_logits_match_the_cpu_backend_and_the_reference(DType type, double cpuTolerance)
    {
        using IModel model = LlamaModels.Load(type);
        ComputeGraph graph = model.BuildStepGraph();
        using IBackend torch = new TorchBackendFactory().Create(new BackendOptions { Device = "cpu", Threads = 2 });
        using IBackend cpu = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
        var onTorch = new StepRunner(graph, model.KvCacheLayout, torch, BlockSize, Blocks);
        var onCpu = new StepRunner(graph, model.KvCacheLayout, cpu, BlockSize, Blocks);
        var onReference = new StepRunner(graph, model.KvCacheLayout, backend: null, BlockSize, Blocks);
        int vocab = checked((int)graph.Logits.Columns);
        double worstCpu = 0, worstReference = 0, worstCpuAbsolute = 0;

        foreach ((string name, StepBatch batch) in Steps())
        {
            float[] expected = onReference.Step(batch), fromTorch = onTorch.Step(batch), fromCpu = onCpu.Step(batch);
            double scale = expected.Max(v => Math.Abs(v));
            Assert.True(scale > 0.1, $"{name}: the logits are degenerate");
            double versusReference = MaxDifference(fromTorch, expected), versusCpu = MaxDifference(fromTorch, fromCpu);
            Assert.True(versusReference <= 1e-5 * scale, $"{type} {name}: torch is {versusReference:E2} from the reference (allowed {1e-5 * scale:E2})");
            Assert.True(versusCpu <= cpuTolerance * scale, $"{type} {name}: torch is {versusCpu:E2} from cpu (allowed {cpuTolerance * scale:E2})");
            for (int row = 0; row < batch.OutputCount; row++)
            {
                Assert.True(ArgMax(fromTorch, row, vocab) == ArgMax(expected, row, vocab), $"{type} {name}: output {row} picks another token than the reference");
            }

            worstReference = Math.Max(worstReference, versusReference / scale);
            worstCpu = Math.Max(worstCpu, versusCpu / scale);
            worstCpuAbsolute = Math.Max(worstCpuAbsolute, versusCpu);
        }

        output.WriteLine($"{DTypeInfo.Name(type)}: max |torch - cpu| = {worstCpuAbsolute:E2} ({worstCpu:E2} of max |logit|), max |torch - reference| = {worstReference:E2} of max |logit|");
    }

    /// <summary>The steps, in order; the caches carry each sequence's history from step to step.</summary>
    private static IEnumerable<(string Name, StepBatch Batch)> Steps()
    {
        var prefill = new StepBatch(16);
        prefill.Add(0, [1, 17, 42, 300, 5, 99, 7], 0, TableA, wantLogits: true);
        prefill.Add(1, [1, 260, 13, 511, 64], 0, TableB, wantLogits: true);
        yield return ("prefill 7 + 5", prefill);
        for (int step = 0; step < 3; step++)
        {
            var decode = new StepBatch(2);
            decode.Add(0, [30 + step], 7 + step, TableA, wantLogits: true);
            decode.Add(1, [400 + step], 5 + step, TableB, wantLogits: true);
            yield return ($"decode {step + 1}", decode);
        }

        var mixed = new StepBatch(16);
        mixed.Add(0, [77], 10, TableA, wantLogits: true);
        mixed.Add(2, [1, 2, 3, 4, 5, 6], 0, TableC, wantLogits: true);
        mixed.Add(1, [123], 8, TableB, wantLogits: true);
        yield return ("decode + prefill 6", mixed);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }

    private static int ArgMax(float[] logits, int row, int vocab)
    {
        int best = 0;
        for (int i = 1; i < vocab; i++)
        {
            best = logits[(row * vocab) + i] > logits[(row * vocab) + best] ? i : best;
        }

        return best;
    }
}
