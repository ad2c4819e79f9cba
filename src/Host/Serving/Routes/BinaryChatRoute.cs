using System.Globalization;
using LlmFramework.Engine.Generation;
using LlmFramework.Host.Serving.Generation;
using LlmFramework.Protocol;
using MessagePack;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>
/// POST /v1/llmf/chat/stream (<see cref="BinaryStreamProtocol"/>): a MessagePack <see cref="BinaryChatRequest"/> in,
/// MessagePack <see cref="BinaryStreamFrame"/>s out, back to back and flushed one by one: Delta frames, then one Final
/// (finish reason and usage) or Error frame. Errors before the stream starts are the JSON routes' OpenAI-shaped errors.
/// </summary>
internal static class BinaryChatRoute
{
    public static async Task HandleAsync(HttpContext context, ServerContext server)
    {
        byte[] body = await RequestBody.ReadAsync(context, server.Server.MaxRequestBodyBytes).ConfigureAwait(false);
        BinaryChatRequest request;
        try
        {
            request = MessagePackSerializer.Deserialize<BinaryChatRequest>(body, cancellationToken: context.RequestAborted)
                ?? throw ApiError.BadRequest("the request body is an empty MessagePack value");
        }
        catch (MessagePackSerializationException ex)
        {
            throw ApiError.BadRequest($"the request body is not a MessagePack BinaryChatRequest: {ex.InnerException?.Message ?? ex.Message}");
        }

        IReadOnlyList<ChatTurn> turns = ChatTurns.From(request.Messages);
        ServedModel model = server.Models.Resolve(request.Model);
        using IDisposable lease = model.Acquire();
        ChatPrompt prompt = ChatPromptBuilder.Build(model, turns, []);
        if (request.Stop is { } stops && stops.Any(string.IsNullOrEmpty))
        {
            throw ApiError.BadRequest("'stop' must not contain empty strings", "stop");
        }

        var fields = new SamplingFields
        {
            Temperature = request.Temperature,
            TopP = request.TopP,
            TopK = request.TopK,
            Seed = request.Seed,
            Stop = request.Stop ?? [],
            MaxTokens = request.MaxTokens,
            Priority = request.Priority,
        };
        IReadOnlyList<GenerationRequest> requests = GenerationRequestFactory.Build(fields, prompt.Tokens, model.Engine, server.Options, "messages", extraStops: prompt.Stops);
        var choice = new ChoicePlan(0, requests[0], ParseReasoning: true, prompt.StartsInReasoning, TrimLeadingSpace: true);
        using var cancellation = new RequestCancellation(context.RequestAborted, server.State.CancelToken, model.UnloadToken, server.Server.RequestTimeoutSeconds);
        await using GenerationCall call = GenerationCall.Start(model, [choice], cancellation, server.Server.RetryAfterSeconds, server.Logger);

        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = BinaryStreamProtocol.ResponseContentType;
        response.Headers["X-Llmf-Protocol"] = BinaryStreamProtocol.Version.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-cache";
        await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        CancellationToken aborted = context.RequestAborted;
        int[] one = new int[1];
        try
        {
            await foreach (ChoiceEvent e in call.Events.ReadAllAsync(aborted).ConfigureAwait(false))
            {
                if (e.FinishReason is not null)
                {
                    await WriteAsync(response, new BinaryStreamFrame
                    {
                        Kind = BinaryFrameKind.Final,
                        Text = e.Content,
                        ReasoningText = e.Reasoning,
                        TokenIds = e.TokenId >= 0 ? [e.TokenId] : [],
                        FinishReason = e.FinishReason,
                        PromptTokens = e.PromptTokens,
                        CompletionTokens = e.CompletionTokens,
                        Model = model.Id,
                    }, aborted).ConfigureAwait(false);
                    continue;
                }

                one[0] = e.TokenId;
                await WriteAsync(response, new BinaryStreamFrame { Kind = BinaryFrameKind.Delta, Text = e.Content, ReasoningText = e.Reasoning, TokenIds = e.TokenId >= 0 ? one : [] }, aborted).ConfigureAwait(false);
            }
        }
        catch (ApiError error) when (!cancellation.ClientGone)
        {
            await WriteAsync(response, new BinaryStreamFrame { Kind = BinaryFrameKind.Error, Error = error.Message, Model = model.Id }, aborted).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(HttpResponse response, BinaryStreamFrame frame, CancellationToken cancellationToken)
    {
        MessagePackSerializer.Serialize(response.BodyWriter, frame, cancellationToken: cancellationToken);
        await response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
