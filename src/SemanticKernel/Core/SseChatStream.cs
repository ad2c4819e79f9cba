using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>A chat over <c>POST /v1/chat/completions</c>: whole (<c>stream: false</c>) or as server-sent events (<c>stream: true</c>).</summary>
internal static class SseChatStream
{
    private const string Json = "application/json";

    public static async Task<ChatResponse> CompleteAsync(RemoteEndpoint endpoint, IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        HttpContent content = Body(OpenAiChatWire.WriteRequest(messages, options, endpoint.Options.ModelId, stream: false));
        using HttpResponseMessage response = await endpoint.SendAsync(HttpMethod.Post, endpoint.ChatCompletions, content, Json, cancellationToken).ConfigureAwait(false);
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            using JsonDocument doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
            return OpenAiChatWire.ReadCompletion(doc.RootElement);
        }
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(RemoteEndpoint endpoint, IEnumerable<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpContent content = Body(OpenAiChatWire.WriteRequest(messages, options, endpoint.Options.ModelId, stream: true));
        using HttpResponseMessage response = await endpoint.SendAsync(HttpMethod.Post, endpoint.ChatCompletions, content, "text/event-stream", cancellationToken).ConfigureAwait(false);
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            await foreach (string data in ServerSentEvents.ReadDataAsync(body, cancellationToken).ConfigureAwait(false))
            {
                // Events already buffered would be read without looking at the token.
                cancellationToken.ThrowIfCancellationRequested();
                ChatResponseUpdate update;
                using (JsonDocument doc = JsonDocument.Parse(data))
                {
                    if (doc.RootElement.TryGetProperty("error", out JsonElement error))
                    {
                        string message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out JsonElement m) ? m.GetString() ?? data : data;
                        throw new LlmFrameworkServerException(message, statusCode: null);
                    }

                    update = OpenAiChatWire.ReadChunk(doc.RootElement);
                }

                if (update.Contents.Count > 0 || update.FinishReason is not null)
                {
                    yield return update;
                }
            }
        }
    }

    /// <summary>A JSON request body.</summary>
    internal static ByteArrayContent Body(byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue(Json) { CharSet = "utf-8" };
        return content;
    }
}
