using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Models;
using LlmFramework.Backends.Cpu;
using LlmFramework.Engine;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>Loads a checkpoint through <see cref="LlamaFamily.Load"/> and runs it with <see cref="InferenceEngine"/> on the CPU backend.</summary>
internal static class EngineLogits
{
    /// <summary>A prompt long enough to mix positions through attention: ids 1 (BOS), then a spread over the vocabulary.</summary>
    public static int[] Prompt(int vocab, int length = 9) => [1, .. Enumerable.Range(1, length - 1).Select(i => (i * 37) % (vocab - 3) + 3)];

    /// <summary>The last-position logits of <paramref name="prompt"/> for the model at <paramref name="path"/> with <paramref name="adapters"/> applied.</summary>
    public static float[] Of(string path, int[] prompt, params AdapterSpec[] adapters)
    {
        using IModel model = new LlamaFamily().Load(ModelSource.Open(path), new ModelLoadOptions { ContextLength = 64, Adapters = adapters });
        using IBackend cpu = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });
        using var engine = new InferenceEngine(model, [cpu], new EngineOptions { Threads = 2, MaxSequences = 1, ContextLength = 64 });
        return engine.GetLogits(prompt);
    }

    /// <summary>max |a - b|.</summary>
    public static double MaxDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }
}
