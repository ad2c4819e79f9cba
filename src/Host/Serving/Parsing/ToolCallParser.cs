using System.Text;

namespace LlmFramework.Host.Serving.Parsing;

/// <summary>
/// Finds tool calls in streamed model output in the formats the model families define: Hermes / Qwen
/// (<c>&lt;tool_call&gt;{"name":..,"arguments":..}&lt;/tool_call&gt;</c>), LLaMA 3.1 (a reply that is a JSON object
/// <c>{"name":..,"parameters":..}</c>, or such objects after <c>&lt;|python_tag|&gt;</c>) and DeepSeek-V3
/// (<c>&lt;｜tool▁calls▁begin｜&gt;...</c>). Text before the first marker streams through (a marker split across
/// chunks is held back); from the marker on the output is kept and parsed when it ends (<see cref="Flush"/>). Output
/// that looked like a call but does not parse is given back as text.
/// </summary>
internal sealed class ToolCallParser
{
    private static readonly string[] Markers = [ToolCallFormats.HermesOpen, ToolCallFormats.PythonTag, ToolCallFormats.DeepSeekCallsBegin];

    private readonly StringBuilder _held = new();
    private readonly StringBuilder _captured = new();
    private bool _capturing;
    private bool _sawText;

    /// <summary>Feeds the next piece of answer text; returns the text that is certainly not part of a tool call.</summary>
    public string Push(string text)
    {
        if (_capturing)
        {
            _captured.Append(text);
            return "";
        }

        _held.Append(text);
        string buffer = _held.ToString();
        _held.Clear();

        // A LLaMA 3.1 JSON call is the whole reply: only a '{' before any other text starts one.
        if (!_sawText)
        {
            int first = 0;
            while (first < buffer.Length && char.IsWhiteSpace(buffer[first]))
            {
                first++;
            }

            if (first == buffer.Length)
            {
                _held.Append(buffer);
                return "";
            }

            _sawText = true;
            if (buffer[first] == '{')
            {
                _capturing = true;
                _captured.Append(buffer, first, buffer.Length - first);
                return buffer[..first];
            }
        }

        int at = -1;
        foreach (string marker in Markers)
        {
            int i = buffer.IndexOf(marker, StringComparison.Ordinal);
            if (i >= 0 && (at < 0 || i < at))
            {
                at = i;
            }
        }

        if (at >= 0)
        {
            _capturing = true;
            _captured.Append(buffer, at, buffer.Length - at);
            return buffer[..at];
        }

        int hold = PartialMarker.HeldBack(buffer, Markers);
        _held.Append(buffer, buffer.Length - hold, hold);
        return buffer[..^hold];
    }

    /// <summary>The end of the output: the tool calls found, and any held or unparsable text.</summary>
    public ToolCallSplit Flush()
    {
        string held = _held.ToString();
        _held.Clear();
        if (!_capturing)
        {
            return new ToolCallSplit(held, []);
        }

        string captured = _captured.ToString();
        _captured.Clear();
        _capturing = false;
        IReadOnlyList<ParsedToolCall>? calls = ToolCallFormats.TryParse(captured, out string leftover);
        return calls is { Count: > 0 } ? new ToolCallSplit(held + leftover, calls) : new ToolCallSplit(held + captured, []);
    }
}
