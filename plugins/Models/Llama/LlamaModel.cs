using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Graph;
using LlmFramework.Models.Llama.Loading;

namespace LlmFramework.Models.Llama;

/// <summary>
/// A loaded LLaMA checkpoint. Owns the memory maps the weights point into (and any converted copies) and releases
/// them on <see cref="Dispose"/>; graphs built from it are invalid afterwards.
/// </summary>
public sealed class LlamaModel : IModel
{
    private readonly IDisposable[] _owned;
    private bool _disposed;

    internal LlamaModel(
        ModelInfo info,
        LlamaConfig config,
        LlamaWeights weights,
        RopeStyle ropeStyle,
        int contextLength,
        ITokenizer tokenizer,
        IChatTemplate? chatTemplate,
        GenerationDefaults generationDefaults,
        IDisposable[] owned)
    {
        Info = info;
        Config = config;
        Weights = weights;
        RopeStyle = ropeStyle;
        Tokenizer = tokenizer;
        ChatTemplate = chatTemplate;
        GenerationDefaults = generationDefaults;
        KvCacheLayout = LlamaGraphBuilder.CacheLayout(config, contextLength);
        _owned = owned;
    }

    /// <inheritdoc />
    public ModelInfo Info { get; }

    /// <summary>The hyperparameters.</summary>
    public LlamaConfig Config { get; }

    /// <summary>The weights (views into the checkpoint).</summary>
    public LlamaWeights Weights { get; }

    /// <summary>How q/k are rotated: interleaved for GGUF, NeoX for Hugging Face checkpoints.</summary>
    public RopeStyle RopeStyle { get; }

    /// <inheritdoc />
    public ITokenizer Tokenizer { get; }

    /// <inheritdoc />
    public IChatTemplate? ChatTemplate { get; }

    /// <inheritdoc />
    public GenerationDefaults GenerationDefaults { get; }

    /// <inheritdoc />
    public KvCacheLayout KvCacheLayout { get; }

    /// <inheritdoc />
    public ComputeGraph BuildStepGraph()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return LlamaGraphBuilder.Build(Config, Weights, RopeStyle);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }
    }
}
