using System.Text;
using System.Text.Json;
using LlmFramework.Host.Serving.Dtos;
using LlmFramework.Protocol;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>Checks the messages of a chat request (JSON or binary), naming the message and field at fault.</summary>
internal static class ChatTurns
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static IReadOnlyList<ChatTurn> From(IReadOnlyList<ChatMessageDto?>? messages)
    {
        if (messages is null)
        {
            throw ApiError.BadRequest("'messages' is required: a list of {\"role\", \"content\"} objects", "messages");
        }

        if (messages.Count == 0)
        {
            throw ApiError.BadRequest("'messages' must hold at least one message", "messages");
        }

        var turns = new List<ChatTurn>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessageDto m = messages[i] ?? throw ApiError.BadRequest($"'messages[{i}]' must be an object, got null", $"messages[{i}]");
            string role = RoleOf(m.Role, i);
            string content = ContentOf(m.Content, i);
            IReadOnlyList<ToolCallDto> calls = m.ToolCalls ?? [];
            if (content.Length == 0 && calls.Count == 0 && m.Content is not { ValueKind: JsonValueKind.String } && role != "assistant")
            {
                throw ApiError.BadRequest($"'messages[{i}].content' is required", $"messages[{i}].content");
            }

            for (int c = 0; c < calls.Count; c++)
            {
                if (calls[c].Function?.Name is not { Length: > 0 })
                {
                    throw ApiError.BadRequest($"'messages[{i}].tool_calls[{c}].function.name' is required", $"messages[{i}].tool_calls");
                }
            }

            turns.Add(new ChatTurn(role, content, calls, m.ToolCallId, m.Name));
        }

        return turns;
    }

    public static IReadOnlyList<ChatTurn> From(IReadOnlyList<BinaryChatMessage>? messages)
    {
        if (messages is null || messages.Count == 0)
        {
            throw ApiError.BadRequest("'messages' must hold at least one message", "messages");
        }

        var turns = new List<ChatTurn>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            BinaryChatMessage m = messages[i] ?? throw ApiError.BadRequest($"'messages[{i}]' is missing", $"messages[{i}]");
            turns.Add(new ChatTurn(RoleOf(m.Role, i), m.Content ?? "", [], null, null));
        }

        return turns;
    }

    private static string RoleOf(string? role, int i)
    {
        if (string.IsNullOrEmpty(role))
        {
            throw ApiError.BadRequest($"'messages[{i}].role' is required", $"messages[{i}].role");
        }

        if (!Roles.Contains(role, StringComparer.Ordinal))
        {
            throw ApiError.BadRequest($"'messages[{i}].role' is '{role}'; it must be one of {string.Join(", ", Roles)}", $"messages[{i}].role");
        }

        return role == "developer" ? "system" : role;
    }

    /// <summary>A string, null, or a list of text parts ({"type":"text","text":..}), joined.</summary>
    private static string ContentOf(JsonElement? content, int i)
    {
        if (content is not JsonElement e || e.ValueKind == JsonValueKind.Null)
        {
            return "";
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            return e.GetString()!;
        }

        if (e.ValueKind != JsonValueKind.Array)
        {
            throw ApiError.BadRequest($"'messages[{i}].content' must be a string or a list of content parts, got {JsonBody.Describe(e.ValueKind)}", $"messages[{i}].content");
        }

        var sb = new StringBuilder();
        int p = 0;
        foreach (JsonElement part in e.EnumerateArray())
        {
            string where = $"messages[{i}].content[{p++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out JsonElement type) || type.ValueKind != JsonValueKind.String)
            {
                throw ApiError.BadRequest($"'{where}' must be an object with a \"type\"", where);
            }

            if (type.GetString() != "text" || !part.TryGetProperty("text", out JsonElement text) || text.ValueKind != JsonValueKind.String)
            {
                throw ApiError.BadRequest($"'{where}' is of type '{type.GetString()}'; only {{\"type\":\"text\",\"text\":...}} parts are supported", where);
            }

            sb.Append(text.GetString());
        }

        return sb.ToString();
    }
}
