using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Host.Runtime;
using LlmFramework.Host.Serving.Dtos;
using LlmFramework.Host.Serving.Parsing;
using LlmFramework.Tokenizers;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>
/// Renders a chat request through the model's chat template (see ChatCommand). With tools, a Jinja template that
/// reads <c>tools</c> gets them (and the messages' tool_calls / tool_call_id) as the Hugging Face templates expect; other
/// templates get the tools described in a system message that asks for Hermes-style <c>&lt;tool_call&gt;</c> replies.
/// </summary>
internal static partial class ChatPromptBuilder
{
    public static ChatPrompt Build(ServedModel served, IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDto> tools)
    {
        IModel model = served.Runtime.Model;
        IChatTemplate template = ChatPrompts.TemplateOf(model);
        string text;
        try
        {
            bool toolsInPlay = tools.Count > 0 || turns.Any(t => t.ToolCalls.Count > 0 || t.Role == "tool");
            if (toolsInPlay && template is JinjaChatTemplate jinja && jinja.Source.Contains("tool", StringComparison.Ordinal))
            {
                bool argumentsAsMapping = ArgumentsAsMapping().IsMatch(jinja.Source);
                text = jinja.Render(new Dictionary<string, object?>
                {
                    ["messages"] = turns.Select(t => MessageVariable(t, argumentsAsMapping)).ToList(),
                    ["tools"] = tools.Count > 0 ? tools.Select(t => (object?)ToolVariable(t)).ToList() : null,
                    ["add_generation_prompt"] = true,
                });
            }
            else
            {
                IReadOnlyList<ChatTurn> withTools = tools.Count > 0 ? WithToolSystemMessage(turns, tools) : turns;
                text = template.Render([.. withTools.Select(t => new ChatMessage(t.Role, PlainContent(t)))], addGenerationPrompt: true);
            }
        }
        catch (ChatTemplateException ex)
        {
            throw ApiError.BadRequest($"the chat template of model '{served.Id}' refused the messages: {ex.Message}", "messages");
        }
        catch (NotSupportedException ex)
        {
            throw new ApiError(StatusCodes.Status500InternalServerError, "server_error", ex.Message);
        }

        bool reasoning = text.TrimEnd().EndsWith(ReasoningParser.OpenTag, StringComparison.Ordinal);
        return new ChatPrompt(text, ChatPrompts.Encode(model, text), reasoning, ChatPrompts.StopsOf(template));
    }

    private static Dictionary<string, object?> MessageVariable(ChatTurn t, bool argumentsAsMapping)
    {
        // An assistant message that only calls tools has content null (as OpenAI clients send it, and as templates
        // such as DeepSeek-V3's test with "content is none" before writing the calls).
        object? content = t.ToolCalls.Count > 0 && t.Content.Length == 0 ? null : t.Content;
        var m = new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = t.Role, ["content"] = content };
        if (t.ToolCalls.Count > 0)
        {
            m["tool_calls"] = t.ToolCalls.Select(c => (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = c.Id,
                ["type"] = c.Type ?? "function",
                ["function"] = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["name"] = c.Function!.Name,
                    ["arguments"] = argumentsAsMapping ? ArgumentsMapping(c.Function.Arguments) : ArgumentsText(c.Function.Arguments),
                },
            }).ToList();
        }

        if (t.ToolCallId is not null)
        {
            m["tool_call_id"] = t.ToolCallId;
        }

        if (t.Name is not null)
        {
            m["name"] = t.Name;
        }

        return m;
    }

    /// <summary>
    /// Whether the template reads a call's arguments as a mapping (<c>arguments | tojson</c>, <c>.items()</c>,
    /// <c>is mapping</c>), as transformers asks and the LLaMA 3.1 and Qwen 2.5 templates do. Other templates get the JSON
    /// string the request sent: DeepSeek-V3's concatenates <c>tool['function']['arguments']</c> to text, which jinja2
    /// refuses for a mapping ("can only concatenate str (not dict) to str").
    /// </summary>
    [GeneratedRegex(@"arguments(?:'\]|""\])?\s*(?:\|\s*(?:tojson|items|dictsort)\b|\.items\(\)|is\s+mapping\b)")]
    private static partial Regex ArgumentsAsMapping();

    /// <summary>The arguments as the request sent them (a JSON string), "{}" when it sent none.</summary>
    private static string ArgumentsText(string? arguments) => string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments;

    /// <summary>The arguments parsed, for templates that print them with tojson; the text itself when it is not JSON.</summary>
    private static object? ArgumentsMapping(string? arguments)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            return new Dictionary<string, object?>();
        }

        try
        {
            using JsonDocument d = JsonDocument.Parse(arguments);
            return ToClr(d.RootElement);
        }
        catch (JsonException)
        {
            return arguments;
        }
    }

    private static Dictionary<string, object?> ToolVariable(ToolDto tool) => new(StringComparer.Ordinal)
    {
        ["type"] = tool.Type ?? "function",
        ["function"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = tool.Function?.Name,
            ["description"] = tool.Function?.Description ?? "",
            ["parameters"] = tool.Function?.Parameters is JsonElement p ? ToClr(p) : new Dictionary<string, object?>(),
        },
    };

    /// <summary>A JSON value as the CLR values the Jinja renderer takes (dictionaries, lists, strings, numbers, booleans).</summary>
    internal static object? ToClr(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => ToClr(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => e.EnumerateArray().Select(ToClr).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out long l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>Content for templates that know nothing of tools: calls and tool answers written out as text.</summary>
    private static string PlainContent(ChatTurn t)
    {
        if (t.ToolCalls.Count == 0)
        {
            return t.Content;
        }

        var sb = new StringBuilder(t.Content);
        foreach (ToolCallDto c in t.ToolCalls)
        {
            sb.Append(ToolCallFormats.HermesOpen).Append("{\"name\": ").Append(JsonSerializer.Serialize(c.Function!.Name, ServingJsonContext.Relaxed.String))
                .Append(", \"arguments\": ").Append(string.IsNullOrWhiteSpace(c.Function.Arguments) ? "{}" : c.Function.Arguments).Append('}').Append(ToolCallFormats.HermesClose);
        }

        return sb.ToString();
    }

    private static List<ChatTurn> WithToolSystemMessage(IReadOnlyList<ChatTurn> turns, IReadOnlyList<ToolDto> tools)
    {
        var sb = new StringBuilder();
        sb.Append("You may call functions to help with the user's request. The functions, as JSON schemas:\n<tools>\n");
        foreach (ToolDto tool in tools)
        {
            sb.Append(JsonSerializer.Serialize(ToolVariable(tool), ServingJsonContext.Relaxed.DictionaryStringObject)).Append('\n');
        }

        sb.Append("</tools>\nTo call a function, reply with <tool_call>{\"name\": NAME, \"arguments\": {ARGUMENTS}}</tool_call> for each call.");
        var list = new List<ChatTurn>(turns);
        if (list.Count > 0 && list[0].Role == "system")
        {
            list[0] = list[0] with { Content = list[0].Content + "\n\n" + sb };
        }
        else
        {
            list.Insert(0, new ChatTurn("system", sb.ToString(), [], null, null));
        }

        return list;
    }
}
