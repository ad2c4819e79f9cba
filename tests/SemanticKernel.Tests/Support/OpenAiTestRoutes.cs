using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFramework.Protocol;
using MessagePack;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Tests.Support;

/// <summary>The handlers of <see cref="OpenAiTestServer"/>: OpenAI JSON and SSE, and the binary frames, over an in-process client.</summary>
internal static class OpenAiTestRoutes
{
    public static async Task ChatAsync(HttpContext context, IChatClient chat)
    {
        JsonElement body = await OpenAiTestServer.ReadJsonAsync(context);
        List<ChatMessage> messages = [.. body.GetProperty("messages").EnumerateArray().Select(m => new ChatMessage(new ChatRole(m.GetProperty("role").GetString()!), m.GetProperty("content").GetString()))];
        var options = new ChatOptions
        {
            MaxOutputTokens = Int(body, "max_tokens"),
            Temperature = Float(body, "temperature"),
            TopP = Float(body, "top_p"),
            TopK = Int(body, "top_k"),
            FrequencyPenalty = Float(body, "frequency_penalty"),
            PresencePenalty = Float(body, "presence_penalty"),
            Seed = body.TryGetProperty("seed", out JsonElement seed) ? seed.GetInt64() : null,
            StopSequences = body.TryGetProperty("stop", out JsonElement stop) ? [.. stop.EnumerateArray().Select(s => s.GetString()!)] : null,
        };
        string model = body.TryGetProperty("model", out JsonElement m) ? m.GetString() ?? "" : "";
        bool stream = body.TryGetProperty("stream", out JsonElement s) && s.GetBoolean();
        IAsyncEnumerable<ChatResponseUpdate> updates = model == OpenAiTestServer.ScriptedReasoningModel ? Scripted() : Paced(model, chat.GetStreamingResponseAsync(messages, options, context.RequestAborted), context.RequestAborted);
        if (!stream)
        {
            ChatResponse response;
            try
            {
                response = await updates.ToChatResponseAsync(context.RequestAborted);
            }
            catch (ArgumentException ex)
            {
                await OpenAiTestServer.Error(context, 400, ex.Message, "invalid_request_error", param: "messages");
                return;
            }

            string reasoning = string.Concat(response.Messages.SelectMany(x => x.Contents).OfType<TextReasoningContent>().Select(r => r.Text));
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = response.ResponseId,
                ["object"] = "chat.completion",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = response.ModelId,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = response.Text, ["reasoning_content"] = reasoning.Length > 0 ? reasoning : null },
                    ["finish_reason"] = response.FinishReason?.Value,
                }),
                ["usage"] = Usage(response.Usage),
            }, context.RequestAborted);
            return;
        }

        await using IAsyncEnumerator<ChatResponseUpdate> e = updates.GetAsyncEnumerator(context.RequestAborted);
        bool more;
        try
        {
            more = await e.MoveNextAsync();
        }
        catch (ArgumentException ex)
        {
            await OpenAiTestServer.Error(context, 400, ex.Message, "invalid_request_error", param: "messages");
            return;
        }

        context.Response.ContentType = "text/event-stream";
        for (; more; more = await e.MoveNextAsync())
        {
            ChatResponseUpdate u = e.Current;
            var delta = new JsonObject { ["role"] = "assistant" };
            string text = string.Concat(u.Contents.OfType<TextContent>().Select(t => t.Text));
            string reasoning = string.Concat(u.Contents.OfType<TextReasoningContent>().Select(t => t.Text));
            if (text.Length > 0)
            {
                delta["content"] = text;
            }

            if (reasoning.Length > 0)
            {
                delta["reasoning_content"] = reasoning;
            }

            var chunk = new JsonObject
            {
                ["id"] = u.ResponseId,
                ["object"] = "chat.completion.chunk",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = u.ModelId,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = u.FinishReason?.Value }),
            };
            await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", context.RequestAborted);
            if (u.Contents.OfType<UsageContent>().FirstOrDefault() is { } usage)
            {
                await context.Response.WriteAsync($"data: {new JsonObject { ["id"] = u.ResponseId, ["object"] = "chat.completion.chunk", ["choices"] = new JsonArray(), ["usage"] = Usage(usage.Details) }.ToJsonString()}\n\n", context.RequestAborted);
            }

            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
    }

    public static async Task EmbeddingsAsync(HttpContext context, IEmbeddingGenerator<string, Embedding<float>> embeddings)
    {
        JsonElement body = await OpenAiTestServer.ReadJsonAsync(context);
        string[] input = [.. body.GetProperty("input").EnumerateArray().Select(i => i.GetString()!)];
        GeneratedEmbeddings<Embedding<float>> result = await embeddings.GenerateAsync(input, cancellationToken: context.RequestAborted);
        var data = new JsonArray();
        for (int i = 0; i < result.Count; i++)
        {
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = new JsonArray([.. result[i].Vector.ToArray().Select(v => (JsonNode)v)]) });
        }

        await context.Response.WriteAsJsonAsync(new JsonObject { ["object"] = "list", ["data"] = data, ["model"] = result[0].ModelId, ["usage"] = Usage(result.Usage) });
    }

    public static async Task BinaryChatAsync(HttpContext context, IChatClient chat)
    {
        BinaryChatRequest request = await MessagePackSerializer.DeserializeAsync<BinaryChatRequest>(context.Request.Body, cancellationToken: context.RequestAborted);
        var options = new ChatOptions { MaxOutputTokens = request.MaxTokens, Temperature = request.Temperature, TopP = request.TopP, TopK = request.TopK, Seed = request.Seed, StopSequences = [.. request.Stop] };
        context.Response.ContentType = BinaryStreamProtocol.ResponseContentType;
        context.Response.Headers["X-Llmf-Protocol"] = BinaryStreamProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        IAsyncEnumerable<ChatResponseUpdate> updates = chat.GetStreamingResponseAsync([.. request.Messages.Select(m => new ChatMessage(new ChatRole(m.Role), m.Content))], options, context.RequestAborted);
        await foreach (ChatResponseUpdate u in Paced(request.Model, updates, context.RequestAborted))
        {
            UsageDetails? usage = u.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
            await OpenAiTestServer.WriteFrameAsync(context, new BinaryStreamFrame
            {
                Kind = u.FinishReason is null ? BinaryFrameKind.Delta : BinaryFrameKind.Final,
                Text = string.Concat(u.Contents.OfType<TextContent>().Select(t => t.Text)),
                ReasoningText = string.Concat(u.Contents.OfType<TextReasoningContent>().Select(t => t.Text)),
                FinishReason = u.FinishReason?.Value,
                PromptTokens = (int)(usage?.InputTokenCount ?? 0),
                CompletionTokens = (int)(usage?.OutputTokenCount ?? 0),
                Model = u.ModelId,
            });
        }
    }

    /// <summary>The updates as they come, or for <see cref="OpenAiTestServer.SlowModel"/> at most one per 20 ms.</summary>
    private static async IAsyncEnumerable<ChatResponseUpdate> Paced(string model, IAsyncEnumerable<ChatResponseUpdate> updates, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ChatResponseUpdate u in updates.WithCancellation(cancellationToken))
        {
            if (model == OpenAiTestServer.SlowModel)
            {
                await Task.Delay(20, cancellationToken);
            }

            yield return u;
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Scripted()
    {
        await Task.Yield();
        yield return new ChatResponseUpdate { ResponseId = "scripted", ModelId = OpenAiTestServer.ScriptedReasoningModel, Contents = [new TextReasoningContent("The user greets; ")] };
        yield return new ChatResponseUpdate { ResponseId = "scripted", ModelId = OpenAiTestServer.ScriptedReasoningModel, Contents = [new TextReasoningContent("greet back.")] };
        yield return new ChatResponseUpdate { ResponseId = "scripted", ModelId = OpenAiTestServer.ScriptedReasoningModel, Contents = [new TextContent("Hello!")], FinishReason = ChatFinishReason.Stop };
    }

    private static JsonObject? Usage(UsageDetails? usage) => usage is null ? null : new JsonObject
    {
        ["prompt_tokens"] = usage.InputTokenCount,
        ["completion_tokens"] = usage.OutputTokenCount,
        ["total_tokens"] = usage.TotalTokenCount,
    };

    private static int? Int(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static float? Float(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetSingle() : null;
}
