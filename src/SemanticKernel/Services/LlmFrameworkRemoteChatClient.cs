using System.Text.Json;
using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Services;

/// <summary>
/// An <see cref="IChatClient"/> over a remote LlmFramework host, on the OpenAI-compatible JSON/SSE routes or the
/// MessagePack binary route (<see cref="LlmFrameworkRemoteOptions.Transport"/>). Server errors become
/// <see cref="LlmFrameworkServerException"/> with the server's message and status. Cancelling a request aborts the HTTP
/// request, which the host sees and answers by stopping the generation.
/// </summary>
public sealed class LlmFrameworkRemoteChatClient : IChatClient
{
    private readonly RemoteEndpoint _endpoint;
    private readonly ChatClientMetadata _metadata;

    /// <summary>A client for <paramref name="options"/>; with no <paramref name="httpClient"/> it makes (and disposes) its own.</summary>
    public LlmFrameworkRemoteChatClient(LlmFrameworkRemoteOptions options, HttpClient? httpClient = null)
    {
        _endpoint = new RemoteEndpoint(options, httpClient);
        _metadata = new ChatClientMetadata("LlmFramework", _endpoint.BaseAddress, options.ModelId);
    }

    /// <summary>The settings in use.</summary>
    public LlmFrameworkRemoteOptions Options => _endpoint.Options;

    /// <inheritdoc />
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _endpoint.Options.Transport == RemoteTransport.Sse
            ? SseChatStream.CompleteAsync(_endpoint, messages, options, cancellationToken)
            : GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc />
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _endpoint.Options.Transport == RemoteTransport.Sse
            ? SseChatStream.StreamAsync(_endpoint, messages, options, cancellationToken)
            : BinaryChatStream.StreamAsync(_endpoint, BinaryChatStream.CreateRequest(messages, options, _endpoint.Options.ModelId), cancellationToken);

    /// <summary>The ids of the models the host serves (<c>GET /v1/models</c>).</summary>
    public async Task<IReadOnlyList<string>> GetModelsAsync(CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await _endpoint.SendAsync(HttpMethod.Get, _endpoint.Models, content: null, "application/json", cancellationToken).ConfigureAwait(false);
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            using JsonDocument doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!doc.RootElement.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
            {
                throw new LlmFrameworkServerException($"GET {_endpoint.Models.AbsolutePath} answered without a \"data\" list", response.StatusCode);
            }

            return [.. data.EnumerateArray().Select(m => m.TryGetProperty("id", out JsonElement id) ? id.GetString() ?? "" : "")];
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        ClientServices.Get(this, serviceType, serviceKey, _metadata);

    /// <inheritdoc />
    public void Dispose() => _endpoint.Dispose();
}
