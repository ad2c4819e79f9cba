using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu;
using LlmFramework.Models.Llama.Tests.Support;

namespace LlmFramework.Models.Llama.Tests.Graph;

/// <summary>The LLaMA graph on the real CPU backend agrees with the scalar reference.</summary>
public sealed class CpuBackendForwardTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(DType.F32, CheckpointFormat.Gguf, 1e-3)]
    [InlineData(DType.F16, CheckpointFormat.HuggingFaceFolder, 1e-2)]
    [InlineData(DType.Q8_0, CheckpointFormat.Gguf, 0.1)]
    [InlineData(DType.Q4_0, CheckpointFormat.Gguf, 0.5)]
    public void Cpu_backend_runs_every_node_and_matches_the_reference(DType type, CheckpointFormat format, double tolerance)
    {
        string path = TestModelFiles.Write(_folder, TestModelFiles.SmallSpec(type, tied: type == DType.Q4_0), format, "m");
        using ModelParts parts = format == CheckpointFormat.Gguf ? ModelParts.OpenGguf(path) : ModelParts.OpenFolder(path);
        using IBackend cpu = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
        ComputeGraph graph = parts.BuildGraph();
        Assert.All(graph.Nodes, n => Assert.True(cpu.Supports(n).IsSupported, $"{n}: {cpu.Supports(n).Reason}"));

        ReferenceForward reference = parts.Forward(), backend = parts.Forward(backend: cpu);
        foreach (int[] step in new[] { new[] { 1, 2, 250, 7, 9 }, [3], [4] })
        {
            float[] expected = reference.Step(step), actual = backend.Step(step);
            double worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst < tolerance, $"{type}: max |cpu - reference| = {worst}");
        }
    }
}
