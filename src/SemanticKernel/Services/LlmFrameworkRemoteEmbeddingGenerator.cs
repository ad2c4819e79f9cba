using System.Text.Json;
using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Services;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over a remote host's <c>POST /v1/embeddings</c> (JSON,
/// whatever <see cref="LlmFrameworkRemoteOptions.Transport"/> says). Server errors become <see cref="LlmFrameworkServerException"/>.
/// </summary>
public sealed class LlmFrameworkRemoteEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly RemoteEndpoint _endpoint;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>A generator for <paramref name="options"/>; with no <paramref name="httpClient"/> it makes (and disposes) its own.</summary>
    public LlmFrameworkRemoteEmbeddingGenerator(LlmFrameworkRemoteOptions options, HttpClient? httpClient = null)
    {
        _endpoint = new RemoteEndpoint(options, httpClient);
        _metadata = new EmbeddingGeneratorMetadata("LlmFramework", _endpoint.BaseAddress, options.ModelId);
    }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] texts = [.. values];
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", options?.ModelId ?? _endpoint.Options.ModelId ?? "");
            w.WriteStartArray("input");
            for (int i = 0; i < texts.Length; i++)
            {
                w.WriteStringValue(texts[i] ?? throw new ArgumentException($"values[{i}] is null"));
            }

            w.WriteEndArray();
            w.WriteString("encoding_format", "float");
            if (options?.Dimensions is int dimensions)
            {
                w.WriteNumber("dimensions", dimensions);
            }

            w.WriteEndObject();
        }

        using HttpResponseMessage response = await _endpoint.SendAsync(HttpMethod.Post, _endpoint.Embeddings, SseChatStream.Body(buffer.ToArray()), "application/json", cancellationToken).ConfigureAwait(false);
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            using JsonDocument doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Read(doc.RootElement, texts.Length);
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        ClientServices.Get(this, serviceType, serviceKey, _metadata);

    /// <inheritdoc />
    public void Dispose() => _endpoint.Dispose();

    private GeneratedEmbeddings<Embedding<float>> Read(JsonElement root, int expected)
    {
        string where = $"POST {_endpoint.Embeddings.AbsolutePath}";
        if (!root.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new LlmFrameworkServerException($"{where} answered without a \"data\" list");
        }

        var vectors = new Embedding<float>?[expected];
        string? model = root.TryGetProperty("model", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        int position = 0;
        foreach (JsonElement item in data.EnumerateArray())
        {
            int index = item.TryGetProperty("index", out JsonElement ix) && ix.TryGetInt32(out int n) ? n : position;
            if ((uint)index >= (uint)expected || !item.TryGetProperty("embedding", out JsonElement values) || values.ValueKind != JsonValueKind.Array)
            {
                throw new LlmFrameworkServerException($"{where}: data[{position}] has no float \"embedding\" for one of the {expected} inputs (index {index})");
            }

            float[] vector = new float[values.GetArrayLength()];
            int k = 0;
            foreach (JsonElement v in values.EnumerateArray())
            {
                vector[k++] = v.GetSingle();
            }

            vectors[index] = new Embedding<float>(vector) { ModelId = model };
            position++;
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(expected);
        for (int i = 0; i < expected; i++)
        {
            result.Add(vectors[i] ?? throw new LlmFrameworkServerException($"{where} returned no embedding for input {i}"));
        }

        if (root.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
        {
            long? prompt = usage.TryGetProperty("prompt_tokens", out JsonElement p) && p.TryGetInt64(out long pt) ? pt : null;
            long? total = usage.TryGetProperty("total_tokens", out JsonElement t) && t.TryGetInt64(out long tt) ? tt : null;
            result.Usage = new UsageDetails { InputTokenCount = prompt, TotalTokenCount = total };
        }

        return result;
    }
}
