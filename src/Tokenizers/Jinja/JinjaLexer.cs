using LlmFramework.Tokenizers;

using System.Globalization;
using System.Text;

namespace LlmFramework.Tokenizers.Jinja;

/// <summary>
/// Splits a template into text and tag tokens, applying whitespace control ({%- -%}) and the trim_blocks /
/// lstrip_blocks settings Hugging Face renders chat templates with.
/// </summary>
internal static class JinjaLexer
{
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", "="];

    public static List<JinjaToken> Tokenize(string source)
    {
        var tokens = new List<JinjaToken>();
        int pos = 0;
        bool trimNextText = false, trimNextNewline = false;
        while (pos <= source.Length)
        {
            int tag = FindTag(source, pos);
            int textEnd = tag < 0 ? source.Length : tag;
            string text = source[pos..textEnd];
            if (trimNextText)
            {
                text = text.TrimStart();
            }
            else if (trimNextNewline)
            {
                text = text.StartsWith("\r\n", StringComparison.Ordinal) ? text[2..] : text.StartsWith('\n') ? text[1..] : text;
            }

            if (tag < 0)
            {
                if (text.Length > 0)
                {
                    tokens.Add(new JinjaToken(JinjaTokenKind.Text, text, pos));
                }

                break;
            }

            char kind = source[tag + 1];
            bool trimBefore = tag + 2 < source.Length && source[tag + 2] == '-';
            bool keepBefore = tag + 2 < source.Length && source[tag + 2] == '+';
            if (trimBefore)
            {
                text = text.TrimEnd();
            }
            else if (kind != '{' && !keepBefore)
            {
                // lstrip_blocks: spaces and tabs between the start of a line and a block tag are dropped.
                string raw = source[pos..textEnd];
                int lineStart = raw.LastIndexOf('\n') + 1;
                int trailing = raw.Length - lineStart;
                if (raw.AsSpan(lineStart).Trim(" \t").IsEmpty && (lineStart > 0 || pos == 0 || source[pos - 1] == '\n') && trailing <= text.Length)
                {
                    text = text[..^trailing];
                }
            }

            if (text.Length > 0)
            {
                tokens.Add(new JinjaToken(JinjaTokenKind.Text, text, pos));
            }

            int inner = tag + 2 + (trimBefore || keepBefore ? 1 : 0);
            if (kind == '#')
            {
                int close = source.IndexOf("#}", inner, StringComparison.Ordinal);
                if (close < 0)
                {
                    throw new ChatTemplateException($"Unclosed comment at offset {tag}.");
                }

                trimNextText = source[close - 1] == '-';
                trimNextNewline = !trimNextText;
                pos = close + 2;
                continue;
            }

            tokens.Add(new JinjaToken(kind == '{' ? JinjaTokenKind.BeginOutput : JinjaTokenKind.BeginBlock, string.Empty, tag));
            pos = LexTag(source, inner, kind == '{' ? '}' : '%', tokens, out bool trimAfter);
            trimNextText = trimAfter;
            trimNextNewline = !trimAfter && kind == '%';
        }

        tokens.Add(new JinjaToken(JinjaTokenKind.EndOfInput, string.Empty, source.Length));
        return tokens;
    }

    private static int FindTag(string source, int from)
    {
        for (int i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    private static int LexTag(string s, int pos, char closer, List<JinjaToken> tokens, out bool trimAfter)
    {
        // Brackets opened inside the tag: "}}" closes a nested dict literal there, not the tag (as Jinja2 balances them).
        int depth = 0;
        while (pos < s.Length)
        {
            char c = s[pos];
            if (char.IsWhiteSpace(c))
            {
                pos++;
                continue;
            }

            if (depth == 0 && c == '-' && pos + 2 < s.Length && s[pos + 1] == closer && s[pos + 2] == '}')
            {
                tokens.Add(new JinjaToken(JinjaTokenKind.EndTag, string.Empty, pos));
                trimAfter = true;
                return pos + 3;
            }

            if (depth == 0 && (c == closer || (c == '+' && pos + 1 < s.Length && s[pos + 1] == closer)) && Peek(s, pos + (c == '+' ? 1 : 0) + 1) == '}')
            {
                tokens.Add(new JinjaToken(JinjaTokenKind.EndTag, string.Empty, pos));
                trimAfter = false;
                return pos + (c == '+' ? 3 : 2);
            }

            if (c is '\'' or '"')
            {
                var sb = new StringBuilder();
                int start = pos++;
                while (pos < s.Length && s[pos] != c)
                {
                    if (s[pos] == '\\' && pos + 1 < s.Length)
                    {
                        pos = Unescape(s, pos, sb);
                    }
                    else
                    {
                        sb.Append(s[pos++]);
                    }
                }

                if (pos >= s.Length)
                {
                    throw new ChatTemplateException($"Unclosed string starting at offset {start}.");
                }

                pos++;
                tokens.Add(new JinjaToken(JinjaTokenKind.String, sb.ToString(), start));
                continue;
            }

            if (char.IsDigit(c))
            {
                int start = pos;
                while (pos < s.Length && (char.IsDigit(s[pos]) || s[pos] == '_'))
                {
                    pos++;
                }

                bool isFloat = pos + 1 < s.Length && s[pos] == '.' && char.IsDigit(s[pos + 1]);
                if (isFloat)
                {
                    pos++;
                    while (pos < s.Length && (char.IsDigit(s[pos]) || s[pos] == '_'))
                    {
                        pos++;
                    }
                }

                // An exponent: 1e3, 2.5E-4.
                int exponent = pos < s.Length && s[pos] is 'e' or 'E' ? pos + 1 : -1;
                if (exponent > 0 && exponent < s.Length && s[exponent] is '+' or '-')
                {
                    exponent++;
                }

                if (exponent > 0 && exponent < s.Length && char.IsDigit(s[exponent]))
                {
                    isFloat = true;
                    pos = exponent;
                    while (pos < s.Length && (char.IsDigit(s[pos]) || s[pos] == '_'))
                    {
                        pos++;
                    }
                }

                tokens.Add(new JinjaToken(isFloat ? JinjaTokenKind.Float : JinjaTokenKind.Integer, s[start..pos].Replace("_", string.Empty, StringComparison.Ordinal), start));
                continue;
            }

            if (char.IsLetter(c) || c == '_')
            {
                int start = pos;
                while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] == '_'))
                {
                    pos++;
                }

                tokens.Add(new JinjaToken(JinjaTokenKind.Name, s[start..pos], start));
                continue;
            }

            string? op = Operators.FirstOrDefault(o => string.CompareOrdinal(s, pos, o, 0, o.Length) == 0);
            if (op is null)
            {
                throw new ChatTemplateException($"Unexpected character '{c}' at offset {pos}.");
            }

            depth += op is "(" or "[" or "{" ? 1 : op is ")" or "]" or "}" && depth > 0 ? -1 : 0;
            tokens.Add(new JinjaToken(JinjaTokenKind.Operator, op, pos));
            pos += op.Length;
        }

        throw new ChatTemplateException($"Unclosed tag: expected '{closer}}}' before the end of the template.");
    }

    private static char Peek(string s, int i) => i < s.Length ? s[i] : '\0';

    /// <summary>
    /// Appends the escape at <paramref name="pos"/> (a backslash) as Python decodes it in a Jinja string literal, and
    /// returns the position after it. An unknown escape keeps its backslash, as in Python.
    /// </summary>
    private static int Unescape(string s, int pos, StringBuilder sb)
    {
        char e = s[pos + 1];
        char? simple = e switch
        {
            'n' => '\n', 't' => '\t', 'r' => '\r', 'a' => '\a', 'b' => '\b', 'f' => '\f', 'v' => '\v',
            '\\' => '\\', '\'' => '\'', '"' => '"', _ => null,
        };
        if (simple is char ch)
        {
            sb.Append(ch);
            return pos + 2;
        }

        if (e == '\n')
        {
            // A backslash before a line break continues the line.
            return pos + 2;
        }

        int digits = e switch { 'x' => 2, 'u' => 4, 'U' => 8, _ => 0 };
        if (digits > 0)
        {
            if (pos + 2 + digits > s.Length || !int.TryParse(s.AsSpan(pos + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code) ||
                !Rune.IsValid(code))
            {
                throw new ChatTemplateException($"Invalid \\{e} escape in a string at offset {pos}.");
            }

            sb.Append(new Rune(code).ToString());
            return pos + 2 + digits;
        }

        if (e is >= '0' and <= '7')
        {
            int end = pos + 1, value = 0;
            while (end < s.Length && end < pos + 4 && s[end] is >= '0' and <= '7')
            {
                value = (value * 8) + (s[end++] - '0');
            }

            sb.Append((char)value);
            return end;
        }

        sb.Append('\\').Append(e);
        return pos + 2;
    }
}
