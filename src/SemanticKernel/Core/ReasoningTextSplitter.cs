namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// Splits streamed model text into answer text and reasoning text, the reasoning being what a model writes between
/// <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c>. Tags may arrive split across pieces: a piece that ends with what could
/// be the start of a tag is held back until the next piece (or <see cref="Flush"/>) decides.
/// </summary>
internal sealed class ReasoningTextSplitter
{
    private const string OpenTag = "<think>";
    private const string CloseTag = "</think>";
    private string _pending = "";
    private bool _inReasoning;
    private bool _answerStarted;

    /// <summary>Feeds a piece of text; returns the answer and reasoning text that are now certain.</summary>
    public (string Answer, string Reasoning) Push(string text)
    {
        string answer = "";
        string reasoning = "";
        string pending = _pending + text;
        while (pending.Length > 0)
        {
            string tag = _inReasoning ? CloseTag : OpenTag;
            int at = pending.IndexOf(tag, StringComparison.Ordinal);
            if (at >= 0)
            {
                Emit(pending[..at], ref answer, ref reasoning);
                pending = pending[(at + tag.Length)..];
                _inReasoning = !_inReasoning;
                continue;
            }

            int keep = PartialTagLength(pending, tag);
            Emit(pending[..^keep], ref answer, ref reasoning);
            pending = pending[^keep..];
            break;
        }

        _pending = pending;
        return (answer, reasoning);
    }

    /// <summary>The text held back at the end of the stream.</summary>
    public (string Answer, string Reasoning) Flush()
    {
        string answer = "";
        string reasoning = "";
        Emit(_pending, ref answer, ref reasoning);
        _pending = "";
        return (answer, reasoning);
    }

    private void Emit(string text, ref string answer, ref string reasoning)
    {
        if (_inReasoning)
        {
            reasoning += text;
            return;
        }

        // A chat reply starts after "Assistant:"; the space (or newline) the model writes first is not part of it.
        if (!_answerStarted)
        {
            text = text.TrimStart();
            _answerStarted = text.Length > 0;
        }

        answer += text;
    }

    /// <summary>Length of the longest end of <paramref name="text"/> that is a proper start of <paramref name="tag"/>.</summary>
    private static int PartialTagLength(string text, string tag)
    {
        for (int n = Math.Min(tag.Length - 1, text.Length); n > 0; n--)
        {
            if (text.AsSpan(text.Length - n).SequenceEqual(tag.AsSpan(0, n)))
            {
                return n;
            }
        }

        return 0;
    }
}
