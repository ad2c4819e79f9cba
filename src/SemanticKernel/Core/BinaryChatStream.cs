using System.Buffers;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using LlmFramework.Protocol;
using MessagePack;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// A chat over the binary route (<see cref="BinaryStreamProtocol"/>): one MessagePack <see cref="BinaryChatRequest"/>
/// out, a stream of <see cref="BinaryStreamFrame"/> values back, read with <see cref="MessagePackStreamReader"/>.
/// </summary>
internal static class BinaryChatStream
{
    /// <summary>The request for <paramref name="messages"/>; the route has no frequency or presence penalty, so asking for one is an error.</summary>
    public static BinaryChatRequest CreateRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId)
    {
        if (options?.FrequencyPenalty is not null || options?.PresencePenalty is not null)
        {
            throw new NotSupportedException("ChatOptions.FrequencyPenalty and PresencePenalty are not carried by the MessagePack route; use RemoteTransport.Sse for them");
        }

        return new BinaryChatRequest
        {
            Model = options?.ModelId ?? modelId ?? "",
            Messages = [.. ChatMessageText.Flatten(messages).Select(m => new BinaryChatMessage { Role = m.Role, Content = m.Text })],
            MaxTokens = options?.MaxOutputTokens,
            Temperature = options?.Temperature,
            TopP = options?.TopP,
            TopK = options?.TopK,
            Seed = options?.Seed,
            Stop = [.. options?.StopSequences ?? []],
        };
    }

    public static async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(RemoteEndpoint endpoint, BinaryChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(MessagePackSerializer.Serialize(request, cancellationToken: cancellationToken));
        content.Headers.ContentType = new MediaTypeHeaderValue(BinaryStreamProtocol.RequestContentType);
        using HttpResponseMessage response = await endpoint.SendAsync(HttpMethod.Post, endpoint.BinaryChatStream, content, BinaryStreamProtocol.ResponseContentType, cancellationToken).ConfigureAwait(false);
        string responseId = "llmf-" + Guid.NewGuid().ToString("N");
        DateTimeOffset created = DateTimeOffset.UtcNow;
        Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            using var reader = new MessagePackStreamReader(body);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is ReadOnlySequence<byte> message)
            {
                cancellationToken.ThrowIfCancellationRequested();
                BinaryStreamFrame frame = MessagePackSerializer.Deserialize<BinaryStreamFrame>(message, cancellationToken: cancellationToken);
                switch (frame.Kind)
                {
                    case BinaryFrameKind.Error:
                        throw new LlmFrameworkServerException(frame.Error ?? "the server ended the stream with an error frame that says nothing", statusCode: null);
                    case BinaryFrameKind.Delta:
                        if (frame.Text.Length > 0 || frame.ReasoningText.Length > 0)
                        {
                            yield return Update(frame, responseId, created, request.Model);
                        }

                        break;
                    case BinaryFrameKind.Final:
                        ChatResponseUpdate last = Update(frame, responseId, created, frame.Model ?? request.Model);
                        last.FinishReason = FinishReasons.FromWire(frame.FinishReason);
                        last.Contents.Add(new UsageContent(new UsageDetails
                        {
                            InputTokenCount = frame.PromptTokens,
                            OutputTokenCount = frame.CompletionTokens,
                            TotalTokenCount = frame.PromptTokens + frame.CompletionTokens,
                        }));
                        yield return last;
                        yield break;
                    default:
                        throw new LlmFrameworkServerException($"the server sent a frame of unknown kind {(int)frame.Kind} (protocol version {BinaryStreamProtocol.Version} knows Delta, Final and Error)", statusCode: null);
                }
            }
        }

        throw new LlmFrameworkServerException("the binary stream ended before its final frame", statusCode: null);
    }

    private static ChatResponseUpdate Update(BinaryStreamFrame frame, string responseId, DateTimeOffset created, string? model)
    {
        var update = new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ResponseId = responseId,
            MessageId = responseId,
            CreatedAt = created,
            ModelId = string.IsNullOrEmpty(model) ? null : model,
            RawRepresentation = frame,
        };
        if (frame.ReasoningText.Length > 0)
        {
            update.Contents.Add(new TextReasoningContent(frame.ReasoningText));
        }

        if (frame.Text.Length > 0)
        {
            update.Contents.Add(new TextContent(frame.Text));
        }

        return update;
    }
}
