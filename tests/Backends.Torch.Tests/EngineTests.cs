using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu;
using LlmFramework.Backends.Torch.Tests.Support;
using LlmFramework.Engine;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;

namespace LlmFramework.Backends.Torch.Tests;

/// <summary>
/// The engine with torch preferred and cpu as the fallback, as the host sets it up: torch takes every node, and greedy
/// generation, scoring and concurrent (continuously batched) generations give what a CPU-only engine gives.
/// </summary>
public sealed class EngineTests
{
    private static readonly int[] Prompt = [1, 17, 42, 300, 5, 99, 7, 250];

    [Theory]
    [InlineData(DType.F16)]
    [InlineData(DType.Q8_0)]
    public void Greedy_decoding_and_scoring_match_the_cpu_engine(DType type)
    {
        using Engines engines = Engines.Open(type);

        Assert.All(engines.Torch.Partitions, p => Assert.Equal("torch", p.Backend.Name));
        Assert.Equal(engines.Cpu.GenerateGreedy(Prompt, 24, out _), engines.Torch.GenerateGreedy(Prompt, 24, out _));
        (double torchNll, int predictions) = engines.Torch.ScoreTokens(Prompt);
        (double cpuNll, _) = engines.Cpu.ScoreTokens(Prompt);
        Assert.Equal(Prompt.Length - 1, predictions);
        Assert.True(Math.Abs(torchNll - cpuNll) <= 5e-3 * Math.Abs(cpuNll), $"NLL {torchNll} on torch, {cpuNll} on cpu");
    }

    [Fact]
    public async Task Concurrent_generations_batched_together_give_the_cpu_engines_tokens()
    {
        using Engines engines = Engines.Open(DType.F32);
        int[][] prompts = [[1, 5, 9], [1, 300, 301, 302, 303, 304, 305], [1, 44]];

        int[][] onTorch = await Task.WhenAll(prompts.Select(p => GenerateAsync(engines.Torch, p)));
        int[][] onCpu = await Task.WhenAll(prompts.Select(p => GenerateAsync(engines.Cpu, p)));

        Assert.Equal(onCpu, onTorch);
    }

    private static async Task<int[]> GenerateAsync(InferenceEngine engine, int[] prompt)
    {
        var request = new GenerationRequest { PromptTokens = prompt, Sampling = SamplingOptions.Greedy, MaxTokens = 12, IgnoreEos = true };
        var tokens = new List<int>();
        await foreach (GenerationChunk chunk in engine.GenerateAsync(request))
        {
            tokens.Add(chunk.TokenId);
        }

        return [.. tokens];
    }

    /// <summary>One model on a torch-first engine and on a CPU-only engine.</summary>
    private sealed class Engines : IDisposable
    {
        private readonly IModel _model;
        private readonly IBackend[] _backends;

        private Engines(IModel model, IBackend[] backends, InferenceEngine torch, InferenceEngine cpu)
        {
            _model = model;
            _backends = backends;
            Torch = torch;
            Cpu = cpu;
        }

        public InferenceEngine Torch { get; }

        public InferenceEngine Cpu { get; }

        public static Engines Open(DType type)
        {
            IModel model = LlamaModels.Load(type);
            IBackend torch = new TorchBackendFactory().Create(new BackendOptions { Device = "cpu", Threads = 2 });
            IBackend cpu = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
            var options = new EngineOptions { Threads = 2, MaxSequences = 4, ContextLength = LlamaModels.ContextLength, MaxBatchTokens = 16, KvBlockSize = 4 };
            return new Engines(model, [torch, cpu], new InferenceEngine(model, [torch, cpu], options), new InferenceEngine(model, [cpu], options));
        }

        public void Dispose()
        {
            Torch.Dispose();
            Cpu.Dispose();
            foreach (IBackend backend in _backends)
            {
                backend.Dispose();
            }

            _model.Dispose();
        }
    }
}
