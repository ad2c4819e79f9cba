using System.Text.Json;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// The OpenAI chat-completions wire format, written and read with System.Text.Json: the request body, the whole
/// completion (<c>stream: false</c>) and the streamed chunks (<c>stream: true</c>). <c>reasoning_content</c> maps to
/// <see cref="TextReasoningContent"/>.
/// </summary>
internal static class OpenAiChatWire
{
    /// <summary>The request body of <c>POST /v1/chat/completions</c>.</summary>
    public static byte[] WriteRequest(IEnumerable<ChatMessage> messages, ChatOptions? options, string? modelId, bool stream)
    {
        List<(string Role, string Text)> chat = ChatMessageText.Flatten(messages);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", options?.ModelId ?? modelId ?? "");
            w.WriteStartArray("messages");
            foreach ((string role, string text) in chat)
            {
                w.WriteStartObject();
                w.WriteString("role", role);
                w.WriteString("content", text);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteBoolean("stream", stream);
            if (stream)
            {
                w.WriteStartObject("stream_options");
                w.WriteBoolean("include_usage", true);
                w.WriteEndObject();
            }

            WriteNumber(w, "max_tokens", options?.MaxOutputTokens);
            WriteNumber(w, "temperature", options?.Temperature);
            WriteNumber(w, "top_p", options?.TopP);
            WriteNumber(w, "top_k", options?.TopK);
            WriteNumber(w, "frequency_penalty", options?.FrequencyPenalty);
            WriteNumber(w, "presence_penalty", options?.PresencePenalty);
            if (options?.Seed is long seed)
            {
                w.WriteNumber("seed", seed);
            }

            if (options?.StopSequences is { Count: > 0 } stops)
            {
                w.WriteStartArray("stop");
                foreach (string s in stops)
                {
                    w.WriteStringValue(s);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A whole completion (<c>object: "chat.completion"</c>).</summary>
    public static ChatResponse ReadCompletion(JsonElement root)
    {
        var message = new ChatMessage(ChatRole.Assistant, (IList<AIContent>)[]);
        ChatFinishReason? finish = null;
        if (root.TryGetProperty("choices", out JsonElement choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            JsonElement choice = choices[0];
            finish = FinishReasons.FromWire(String(choice, "finish_reason"));
            if (choice.TryGetProperty("message", out JsonElement m))
            {
                AddText(message.Contents, String(m, "content"), String(m, "reasoning_content"));
            }
        }

        return new ChatResponse(message)
        {
            ResponseId = String(root, "id"),
            ModelId = String(root, "model"),
            CreatedAt = Created(root),
            FinishReason = finish,
            Usage = Usage(root),
            RawRepresentation = root.Clone(),
        };
    }

    /// <summary>One streamed chunk (<c>object: "chat.completion.chunk"</c>); the usage chunk carries a <see cref="UsageContent"/>.</summary>
    public static ChatResponseUpdate ReadChunk(JsonElement root)
    {
        var update = new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            ResponseId = String(root, "id"),
            MessageId = String(root, "id"),
            ModelId = String(root, "model"),
            CreatedAt = Created(root),
        };
        if (root.TryGetProperty("choices", out JsonElement choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            JsonElement choice = choices[0];
            update.FinishReason = FinishReasons.FromWire(String(choice, "finish_reason"));
            if (choice.TryGetProperty("delta", out JsonElement delta))
            {
                AddText(update.Contents, String(delta, "content"), String(delta, "reasoning_content"));
            }
        }

        if (Usage(root) is { } usage)
        {
            update.Contents.Add(new UsageContent(usage));
        }

        return update;
    }

    private static void AddText(IList<AIContent> contents, string? answer, string? reasoning)
    {
        if (!string.IsNullOrEmpty(reasoning))
        {
            contents.Add(new TextReasoningContent(reasoning));
        }

        if (!string.IsNullOrEmpty(answer))
        {
            contents.Add(new TextContent(answer));
        }
    }

    private static UsageDetails? Usage(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out JsonElement u) || u.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return new UsageDetails
        {
            InputTokenCount = Number(u, "prompt_tokens"),
            OutputTokenCount = Number(u, "completion_tokens"),
            TotalTokenCount = Number(u, "total_tokens"),
        };
    }

    private static DateTimeOffset? Created(JsonElement root) =>
        Number(root, "created") is long seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : null;

    private static void WriteNumber(Utf8JsonWriter w, string name, float? value)
    {
        if (value is float f)
        {
            w.WriteNumber(name, f);
        }
    }

    private static void WriteNumber(Utf8JsonWriter w, string name, int? value)
    {
        if (value is int i)
        {
            w.WriteNumber(name, i);
        }
    }
}
