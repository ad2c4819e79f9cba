using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;
using LlmFramework.Models.Llama;

namespace LlmFramework.Parity.Tests;

/// <summary>Our engine on the CPU backend with the same surface as <see cref="LlamaCppReference"/>.</summary>
public sealed class OurEngineSession : IDisposable
{
    private readonly IModel _model;
    private readonly IBackend _backend;

    private OurEngineSession(IModel model, IBackend backend, InferenceEngine engine)
    {
        _model = model;
        _backend = backend;
        Engine = engine;
    }

    /// <summary>The engine.</summary>
    public InferenceEngine Engine { get; }

    /// <summary>Vocabulary size.</summary>
    public int VocabSize => Engine.VocabSize;

    /// <summary>Loads the checkpoint at <paramref name="path"/> (GGUF file or HF folder) with <paramref name="family"/> (default LLaMA) into a one-sequence engine.</summary>
    public static OurEngineSession Open(string path, int threads, int contextLength = 512, int maxBatchTokens = 256, IModelFamily? family = null)
    {
        IModel model = (family ?? new LlamaFamily()).Load(ModelSource.Open(path), new ModelLoadOptions { ContextLength = contextLength });
        IBackend? backend = null;
        try
        {
            backend = new CpuBackendFactory().Create(new BackendOptions { Threads = threads });
            var options = new EngineOptions { Threads = threads, MaxSequences = 1, ContextLength = contextLength, MaxBatchTokens = maxBatchTokens };
            return new OurEngineSession(model, backend, new InferenceEngine(model, [backend], options, logger: null));
        }
        catch
        {
            backend?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>Last-position logits of <paramref name="tokenIds"/> as a fresh sequence.</summary>
    public float[] LastLogits(ReadOnlySpan<int> tokenIds) => Engine.GetLogits(tokenIds);

    /// <summary>Greedy decoding of <paramref name="count"/> tokens.</summary>
    public int[] Greedy(ReadOnlySpan<int> promptIds, int count) => Engine.GenerateGreedy(promptIds, count, out _).ToArray();

    /// <inheritdoc />
    public void Dispose()
    {
        Engine.Dispose();
        _backend.Dispose();
        _model.Dispose();
    }
}
