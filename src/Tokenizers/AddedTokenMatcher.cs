using System.Text;
using System.Text.RegularExpressions;

namespace LlmFramework.Tokenizers;

/// <summary>Splits text around added tokens: leftmost match, longest at that place (as Hugging Face does).</summary>
internal sealed class AddedTokenMatcher
{
    private readonly Regex? _regex;
    private readonly Dictionary<string, AddedToken> _byContent;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var t in tokens)
        {
            if (t.Content.Length > 0)
            {
                _byContent[t.Content] = t;
            }
        }

        if (_byContent.Count > 0)
        {
            var sb = new StringBuilder();
            foreach (var c in _byContent.Keys.OrderByDescending(k => k.Length).ThenBy(k => k, StringComparer.Ordinal))
            {
                if (sb.Length > 0)
                {
                    sb.Append('|');
                }

                sb.Append(Regex.Escape(c));
            }

            _regex = new Regex(sb.ToString(), RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
    }

    public List<TextSegment> Split(string text)
    {
        var result = new List<TextSegment>();
        int pos = 0;
        if (_regex is not null)
        {
            int searchFrom = 0;
            while (searchFrom <= text.Length)
            {
                var m = _regex.Match(text, searchFrom);
                if (!m.Success)
                {
                    break;
                }

                var token = _byContent[m.Value];
                int start = m.Index, end = m.Index + m.Length;
                if (token.SingleWord && (IsWordChar(text, start - 1) || IsWordChar(text, end)))
                {
                    searchFrom = m.Index + 1;
                    continue;
                }

                if (token.LStrip)
                {
                    while (start > pos && char.IsWhiteSpace(text[start - 1]))
                    {
                        start--;
                    }
                }

                if (token.RStrip)
                {
                    while (end < text.Length && char.IsWhiteSpace(text[end]))
                    {
                        end++;
                    }
                }

                if (start > pos)
                {
                    result.Add(new TextSegment(pos, start - pos, -1));
                }

                result.Add(new TextSegment(start, end - start, token.Id));
                pos = end;
                searchFrom = end;
            }
        }

        if (pos < text.Length)
        {
            result.Add(new TextSegment(pos, text.Length - pos, -1));
        }

        return result;
    }

    private static bool IsWordChar(string text, int i) =>
        i >= 0 && i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_');
}
