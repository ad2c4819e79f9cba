namespace LlmFramework.Host.Serving.Parsing;

/// <summary>
/// The parsing of one chat reply as it streams: reasoning split off first (<see cref="ReasoningParser"/>, when on), then
/// tool calls found in the answer text (<see cref="ToolCallParser"/>, when the request offered tools); with
/// trimLeadingSpace, the white space the answer starts with is dropped (as the chat verb and the in-process connector do).
/// </summary>
internal sealed class ReplyParser
{
    private readonly ReasoningParser? _reasoning;
    private readonly ToolCallParser? _tools;
    private bool _trimming;

    public ReplyParser(bool parseReasoning, bool startsInReasoning, bool parseTools, bool trimLeadingSpace = false)
    {
        _trimming = trimLeadingSpace;
        _reasoning = parseReasoning ? new ReasoningParser(startsInReasoning) : null;
        _tools = parseTools ? new ToolCallParser() : null;
    }

    /// <summary>Feeds the next piece of text; returns what can be shown now.</summary>
    public ReasoningSplit Push(string text)
    {
        ReasoningSplit split = TrimStart(_reasoning?.Push(text) ?? new ReasoningSplit("", text));
        return _tools is null ? split : split with { Content = _tools.Push(split.Content) };
    }

    /// <summary>The end of the reply: what was held back, and the tool calls found.</summary>
    public (ReasoningSplit Text, IReadOnlyList<ParsedToolCall> ToolCalls) Flush()
    {
        ReasoningSplit tail = TrimStart(_reasoning?.Flush() ?? new ReasoningSplit("", ""));
        if (_tools is null)
        {
            return (tail, []);
        }

        string content = _tools.Push(tail.Content);
        ToolCallSplit found = _tools.Flush();
        return (new ReasoningSplit(tail.Reasoning, content + found.Content), found.ToolCalls);
    }

    private ReasoningSplit TrimStart(ReasoningSplit split)
    {
        if (!_trimming || split.Content.Length == 0)
        {
            return split;
        }

        string content = split.Content.TrimStart();
        _trimming = content.Length == 0;
        return split with { Content = content };
    }
}
