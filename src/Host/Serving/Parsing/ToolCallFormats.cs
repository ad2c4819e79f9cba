using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmFramework.Host.Serving.Parsing;

/// <summary>Parses the tool-call formats of <see cref="ToolCallParser"/> from a complete piece of output.</summary>
internal static partial class ToolCallFormats
{
    public const string HermesOpen = "<tool_call>";
    public const string HermesClose = "</tool_call>";
    public const string PythonTag = "<|python_tag|>";
    public const string DeepSeekCallsBegin = "<｜tool▁calls▁begin｜>";
    public const string DeepSeekCallsEnd = "<｜tool▁calls▁end｜>";

    /// <summary>
    /// The tool calls in <paramref name="output"/> (which starts with a marker or a '{'), or null when it does not parse
    /// as one of the formats; <paramref name="leftover"/> is the text outside the calls.
    /// </summary>
    public static IReadOnlyList<ParsedToolCall>? TryParse(string output, out string leftover)
    {
        ArgumentNullException.ThrowIfNull(output);
        leftover = "";
        if (output.StartsWith(HermesOpen, StringComparison.Ordinal))
        {
            return ParseHermes(output, out leftover);
        }

        if (output.StartsWith(PythonTag, StringComparison.Ordinal))
        {
            return ParseJsonObjects(output[PythonTag.Length..]);
        }

        if (output.StartsWith(DeepSeekCallsBegin, StringComparison.Ordinal))
        {
            return ParseDeepSeek(output, out leftover);
        }

        return output.StartsWith('{') ? ParseJsonObjects(output) : null;
    }

    private static List<ParsedToolCall>? ParseHermes(string output, out string leftover)
    {
        var calls = new List<ParsedToolCall>();
        var outside = new StringBuilder();
        int at = 0;
        while (at < output.Length)
        {
            int open = output.IndexOf(HermesOpen, at, StringComparison.Ordinal);
            if (open < 0)
            {
                outside.Append(output, at, output.Length - at);
                break;
            }

            outside.Append(output, at, open - at);
            int start = open + HermesOpen.Length;
            int close = output.IndexOf(HermesClose, start, StringComparison.Ordinal);
            string body = close < 0 ? output[start..] : output[start..close];
            if (ParseJsonObjects(body) is not { Count: 1 } one)
            {
                leftover = "";
                return null;
            }

            calls.Add(one[0]);
            at = close < 0 ? output.Length : close + HermesClose.Length;
        }

        leftover = outside.ToString().Trim();
        return calls;
    }

    private static List<ParsedToolCall>? ParseDeepSeek(string output, out string leftover)
    {
        int end = output.IndexOf(DeepSeekCallsEnd, StringComparison.Ordinal);
        string block = end < 0 ? output : output[..end];
        leftover = end < 0 ? "" : output[(end + DeepSeekCallsEnd.Length)..].Trim();
        var calls = new List<ParsedToolCall>();
        foreach (Match m in DeepSeekCall().Matches(block))
        {
            string head = m.Groups["head"].Value.Trim();
            string body = m.Groups["body"].Value;
            string name;
            string arguments;
            Match fenced = DeepSeekFencedArguments().Match(body);
            if (fenced.Success)
            {
                // V3: <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\nARGS\n```<｜tool▁call▁end｜>
                name = fenced.Groups["name"].Value.Trim();
                arguments = fenced.Groups["args"].Value;
            }
            else
            {
                // V3.1: <｜tool▁call▁begin｜>NAME<｜tool▁sep｜>ARGS<｜tool▁call▁end｜>
                name = head;
                arguments = body;
            }

            if (name.Length == 0 || CompactObject(arguments) is not string compact)
            {
                return null;
            }

            calls.Add(new ParsedToolCall(NewId(), name, compact));
        }

        return calls.Count > 0 ? calls : null;
    }

    /// <summary>One or more JSON objects {"name":..,"parameters"|"arguments":..}, separated by white space or ';'.</summary>
    private static List<ParsedToolCall>? ParseJsonObjects(string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var calls = new List<ParsedToolCall>();
        int at = 0;
        while (true)
        {
            while (at < utf8.Length && (utf8[at] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)';'))
            {
                at++;
            }

            if (at == utf8.Length)
            {
                break;
            }

            var reader = new Utf8JsonReader(utf8.AsSpan(at), new JsonReaderOptions { AllowMultipleValues = true });
            JsonDocument document;
            try
            {
                if (!JsonDocument.TryParseValue(ref reader, out JsonDocument? parsed))
                {
                    return null;
                }

                document = parsed;
            }
            catch (JsonException)
            {
                return null;
            }

            using (document)
            {
                if (ToCall(document.RootElement) is not ParsedToolCall call)
                {
                    return null;
                }

                calls.Add(call);
            }

            at += (int)reader.BytesConsumed;
        }

        return calls.Count > 0 ? calls : null;
    }

    private static ParsedToolCall? ToCall(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n)
        {
            return null;
        }

        string arguments = "{}";
        if (e.TryGetProperty("arguments", out JsonElement args) || e.TryGetProperty("parameters", out args))
        {
            string? compact = args.ValueKind switch
            {
                JsonValueKind.Object => Compact(args),
                JsonValueKind.String => CompactObject(args.GetString()!),
                _ => null,
            };
            if (compact is null)
            {
                return null;
            }

            arguments = compact;
        }

        return new ParsedToolCall(NewId(), n, arguments);
    }

    private static string? CompactObject(string json)
    {
        try
        {
            using JsonDocument d = JsonDocument.Parse(json);
            return d.RootElement.ValueKind == JsonValueKind.Object ? Compact(d.RootElement) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Compact(JsonElement e)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            e.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>A fresh call id, "call_" and 24 hex digits.</summary>
    public static string NewId() => "call_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    [GeneratedRegex(@"<｜tool▁call▁begin｜>(?<head>.*?)<｜tool▁sep｜>(?<body>.*?)<｜tool▁call▁end｜>", RegexOptions.Singleline)]
    private static partial Regex DeepSeekCall();

    [GeneratedRegex(@"^(?<name>[^\n]+)\n```(?:json)?\s*\n(?<args>.*?)\n?```\s*$", RegexOptions.Singleline)]
    private static partial Regex DeepSeekFencedArguments();
}
