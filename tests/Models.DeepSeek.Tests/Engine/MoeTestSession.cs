using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Engine.Moe;
using LlmFramework.Models.DeepSeek.TestModels;

namespace LlmFramework.Models.DeepSeek.Tests.Engine;

/// <summary>A small DeepSeek test model (16 routed experts, 4 per token, 2 MoE layers) loaded into an engine on a 2-thread CPU backend.</summary>
internal sealed record MoeTestSession(IModel Model, IBackend Backend, InferenceEngine Engine) : IDisposable
{
    public const int Experts = 16;
    public const int PerToken = 4;
    public const int MoeLayers = 2;

    /// <summary>Writes the test model (3 layers, the first dense) as GGUF to <paramref name="path"/>.</summary>
    public static void WriteModel(string path, int seed)
    {
        var spec = new TestModelSpec
        {
            Architecture = "deepseek2",
            Layers = 3,
            FeedForward = 96,
            VocabSize = 320,
            ContextLength = 256,
            Seed = seed,
            Extra = new Dictionary<string, string> { ["experts"] = $"{Experts}", ["experts-per-token"] = $"{PerToken}", ["expert-ffn"] = "64", ["dense-layers"] = "1" },
        };
        DeepSeekTestModelWriter.Write(spec, CheckpointFormat.Gguf, path);
    }

    /// <summary>The model at <paramref name="path"/> in an engine of 2 threads with <paramref name="moe"/>.</summary>
    public static MoeTestSession Open(string path, MoeOptions moe)
    {
        IModel model = new DeepSeekFamily().Load(ModelSource.Open(path), new ModelLoadOptions { ContextLength = 256 });
        IBackend backend = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
        try
        {
            return new MoeTestSession(model, backend, new InferenceEngine(model, [backend], new EngineOptions { Threads = 2, MaxSequences = 1, ContextLength = 256, Moe = moe }));
        }
        catch
        {
            backend.Dispose();
            model.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Engine.Dispose();
        Backend.Dispose();
        Model.Dispose();
    }
}
