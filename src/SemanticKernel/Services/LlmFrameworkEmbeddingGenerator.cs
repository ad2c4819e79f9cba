using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Services;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over the in-process engine: each text is tokenised (with
/// BOS) and embedded as one fresh sequence, the mean of the model's final hidden states scaled to unit length
/// (<see cref="LlmFramework.Engine.InferenceEngine.Embed"/>). A text longer than the context length is an error.
/// </summary>
public sealed class LlmFrameworkEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly InProcessEngine _engine;
    private readonly bool _ownsEngine;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>A generator over a running engine, which the caller keeps and disposes.</summary>
    public LlmFrameworkEmbeddingGenerator(InProcessEngine engine)
        : this(engine, ownsEngine: false)
    {
    }

    /// <summary>Starts an engine from <paramref name="options"/> (null = the default model) that this generator owns and disposes.</summary>
    public LlmFrameworkEmbeddingGenerator(LlmFrameworkInProcessOptions? options = null)
        : this(InProcessEngine.Start(options), ownsEngine: true)
    {
    }

    private LlmFrameworkEmbeddingGenerator(InProcessEngine engine, bool ownsEngine)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _ownsEngine = ownsEngine;
        _metadata = new EmbeddingGeneratorMetadata("LlmFramework", new Uri(Path.GetFullPath(engine.Runtime.ModelPath)), engine.ModelId, engine.Engine.EmbeddingSize);
    }

    /// <summary>Length of every vector (the model's hidden size).</summary>
    public int Dimensions => _engine.Engine.EmbeddingSize;

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] texts = [.. values];
        if (options?.Dimensions is int wanted && wanted != Dimensions)
        {
            throw new ArgumentException($"EmbeddingGenerationOptions.Dimensions is {wanted} but {_engine.ModelId} embeds into {Dimensions} dimensions");
        }

        // Embedding runs whole steps on the engine; keep it off the caller's thread.
        return Task.Run(() => Generate(texts, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        ClientServices.Get(this, serviceType, serviceKey, _metadata, _engine);

    /// <summary>Disposes the engine when this generator started it.</summary>
    public void Dispose()
    {
        if (_ownsEngine)
        {
            _engine.Dispose();
        }
    }

    private GeneratedEmbeddings<Embedding<float>> Generate(string[] texts, CancellationToken cancellationToken)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        long tokens = 0;
        for (int i = 0; i < texts.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string text = texts[i] ?? throw new ArgumentException($"values[{i}] is null");
            int[] ids = _engine.Runtime.Model.Tokenizer.Encode(text);
            float[] vector;
            try
            {
                vector = _engine.Engine.Embed(ids, cancellationToken);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"values[{i}]: {ex.Message}", ex);
            }

            tokens += ids.Length;
            result.Add(new Embedding<float>(vector) { ModelId = _engine.ModelId, CreatedAt = DateTimeOffset.UtcNow });
        }

        result.Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens };
        return result;
    }
}
