using System.Text;

namespace LlmFramework.Host.Serving.Parsing;

/// <summary>
/// Splits streamed model output into reasoning (between <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c>, DeepSeek-R1 style)
/// and answer text, with tags that may be split across chunks. A reply may open one think block, at its start (before
/// any answer text); a model whose prompt already opened it starts inside it. White space right after
/// <c>&lt;/think&gt;</c> is dropped. After the block (or once answer text has begun) text passes straight through.
/// </summary>
internal sealed class ReasoningParser
{
    public const string OpenTag = "<think>";
    public const string CloseTag = "</think>";

    private readonly StringBuilder _pending = new();
    private State _state;

    public ReasoningParser(bool startsInReasoning)
    {
        _state = startsInReasoning ? State.Reasoning : State.BeforeAnswer;
    }

    private enum State
    {
        /// <summary>Only white space so far; an opening tag may still come.</summary>
        BeforeAnswer,

        /// <summary>Inside the think block.</summary>
        Reasoning,

        /// <summary>Just after the closing tag: white space is dropped.</summary>
        AfterReasoning,

        /// <summary>Answer text: passes through.</summary>
        Answer,
    }

    /// <summary>Feeds the next piece of output; returns what can be shown now.</summary>
    public ReasoningSplit Push(string text)
    {
        if (_state == State.Answer && _pending.Length == 0)
        {
            return new ReasoningSplit("", text);
        }

        _pending.Append(text);
        string buffer = _pending.ToString();
        _pending.Clear();
        var reasoning = new StringBuilder();
        var content = new StringBuilder();
        int at = 0;
        while (at < buffer.Length)
        {
            ReadOnlySpan<char> rest = buffer.AsSpan(at);
            switch (_state)
            {
                case State.BeforeAnswer:
                    {
                        int ws = CountWhiteSpace(rest);
                        ReadOnlySpan<char> afterWs = rest[ws..];
                        if (afterWs.StartsWith(OpenTag, StringComparison.Ordinal))
                        {
                            at += ws + OpenTag.Length;
                            _state = State.Reasoning;
                        }
                        else if (afterWs.Length < OpenTag.Length && OpenTag.AsSpan().StartsWith(afterWs, StringComparison.Ordinal))
                        {
                            _pending.Append(rest); // white space and maybe the start of the tag: wait
                            at = buffer.Length;
                        }
                        else
                        {
                            content.Append(rest);
                            at = buffer.Length;
                            _state = State.Answer;
                        }

                        break;
                    }

                case State.Reasoning:
                    {
                        int close = rest.IndexOf(CloseTag, StringComparison.Ordinal);
                        if (close >= 0)
                        {
                            reasoning.Append(rest[..close]);
                            at += close + CloseTag.Length;
                            _state = State.AfterReasoning;
                        }
                        else
                        {
                            int hold = PartialMarker.HeldBack(rest, CloseTag);
                            reasoning.Append(rest[..^hold]);
                            _pending.Append(rest[^hold..]);
                            at = buffer.Length;
                        }

                        break;
                    }

                case State.AfterReasoning:
                    {
                        int ws = CountWhiteSpace(rest);
                        at += ws;
                        if (at < buffer.Length)
                        {
                            _state = State.Answer;
                        }

                        break;
                    }

                default:
                    content.Append(rest);
                    at = buffer.Length;
                    break;
            }
        }

        return new ReasoningSplit(reasoning.ToString(), content.ToString());
    }

    /// <summary>The end of the output: whatever was held back (an unfinished tag is text).</summary>
    public ReasoningSplit Flush()
    {
        string rest = _pending.ToString();
        _pending.Clear();
        return _state switch
        {
            State.Reasoning => new ReasoningSplit(rest, ""),
            State.AfterReasoning => new ReasoningSplit("", ""),
            _ => new ReasoningSplit("", rest),
        };
    }

    private static int CountWhiteSpace(ReadOnlySpan<char> text)
    {
        int n = 0;
        while (n < text.Length && char.IsWhiteSpace(text[n]))
        {
            n++;
        }

        return n;
    }
}
