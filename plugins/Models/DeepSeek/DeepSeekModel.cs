using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Models.DeepSeek.Config;
using LlmFramework.Models.DeepSeek.Graph;
using LlmFramework.Models.DeepSeek.Loading;

namespace LlmFramework.Models.DeepSeek;

/// <summary>
/// A loaded DeepSeek-V2/V3 checkpoint. Owns the memory maps and converted copies its weights point into and releases
/// them on <see cref="Dispose"/>; graphs built from it are invalid afterwards. Its KV cache is the absorbed-MLA layout:
/// per layer the latent c and the shared rope key.
/// </summary>
public sealed class DeepSeekModel : IModel
{
    private readonly IDisposable[] _owned;
    private bool _disposed;

    internal DeepSeekModel(ModelInfo info, DeepSeekConfig config, DeepSeekWeights weights, int contextLength, ITokenizer tokenizer, IChatTemplate? chatTemplate, GenerationDefaults generationDefaults, IDisposable[] owned)
    {
        Info = info;
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        ChatTemplate = chatTemplate;
        GenerationDefaults = generationDefaults;
        KvCacheLayout = config.CacheLayout(contextLength);
        _owned = owned;
    }

    /// <inheritdoc />
    public ModelInfo Info { get; }

    /// <summary>The hyperparameters.</summary>
    public DeepSeekConfig Config { get; }

    /// <summary>The weights in the absorbed layout.</summary>
    public DeepSeekWeights Weights { get; }

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
        return DeepSeekGraphBuilder.Build(Config, Weights);
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
