using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>Hugging Face's "Split" pre-tokenizer with a regex (or literal) pattern.</summary>
internal sealed class RegexSplitStep : PreTokenizerStep
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);
    private readonly Regex _regex;
    private readonly SplitBehavior _behavior;
    private readonly bool _invert;

    public RegexSplitStep(string pattern, SplitBehavior behavior, bool invert)
    {
        _regex = GetRegex(pattern);
        _behavior = behavior;
        _invert = invert;
    }

    /// <summary>Compiles (once per pattern) a Hugging Face / Oniguruma pattern as a .NET regex.</summary>
    public static Regex GetRegex(string pattern) =>
        Cache.GetOrAdd(pattern, p => new Regex(TranslatePattern(p), RegexOptions.Compiled | RegexOptions.CultureInvariant));

    /// <summary>Rewrites possessive quantifiers (X?+, X*+, X++), which .NET lacks, as atomic groups.</summary>
    internal static string TranslatePattern(string pattern)
    {
        if (!pattern.Contains("?+", StringComparison.Ordinal) && !pattern.Contains("*+", StringComparison.Ordinal) &&
            !pattern.Contains("++", StringComparison.Ordinal) && !pattern.Contains("}+", StringComparison.Ordinal))
        {
            return pattern;
        }

        // Find atoms and their quantifiers; wrap atom+quantifier in (?>...) when followed by '+'.
        var sb = new System.Text.StringBuilder();
        var atomStarts = new Stack<int>();
        int lastAtomStart = -1;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\')
            {
                lastAtomStart = sb.Length;
                sb.Append(c);
                if (i + 1 < pattern.Length)
                {
                    sb.Append(pattern[++i]);
                    if ((pattern[i] == 'p' || pattern[i] == 'P') && i + 1 < pattern.Length && pattern[i + 1] == '{')
                    {
                        while (i + 1 < pattern.Length && pattern[i] != '}')
                        {
                            sb.Append(pattern[++i]);
                        }
                    }
                }

                continue;
            }

            if (c == '[')
            {
                lastAtomStart = sb.Length;
                sb.Append(c);
                i++;
                if (i < pattern.Length && pattern[i] == '^')
                {
                    sb.Append(pattern[i++]);
                }

                if (i < pattern.Length && pattern[i] == ']')
                {
                    sb.Append(pattern[i++]);
                }

                while (i < pattern.Length && pattern[i] != ']')
                {
                    if (pattern[i] == '\\')
                    {
                        sb.Append(pattern[i++]);
                    }

                    sb.Append(pattern[i++]);
                }

                if (i < pattern.Length)
                {
                    sb.Append(']');
                }

                continue;
            }

            if (c == '(')
            {
                atomStarts.Push(sb.Length);
                sb.Append(c);
                continue;
            }

            if (c == ')')
            {
                sb.Append(c);
                lastAtomStart = atomStarts.Count > 0 ? atomStarts.Pop() : -1;
                continue;
            }

            if (c is '?' or '*' or '+' or '{')
            {
                // a quantifier
                int qStart = i;
                if (c == '{')
                {
                    int close = pattern.IndexOf('}', i);
                    if (close < 0)
                    {
                        sb.Append(c);
                        continue;
                    }

                    i = close;
                }

                string quant = pattern[qStart..(i + 1)];
                if (i + 1 < pattern.Length && pattern[i + 1] == '+' && lastAtomStart >= 0)
                {
                    sb.Append(quant);
                    sb.Insert(lastAtomStart, "(?>");
                    sb.Append(')');
                    i++;
                }
                else
                {
                    sb.Append(quant);
                    if (i + 1 < pattern.Length && pattern[i + 1] == '?')
                    {
                        sb.Append('?');
                        i++;
                    }
                }

                lastAtomStart = -1;
                continue;
            }

            lastAtomStart = c is '|' ? -1 : sb.Length;
            sb.Append(c);
        }

        return sb.ToString();
    }

    public override void Split(string shadow, int start, int length, List<(int Start, int Length)> output)
    {
        var spans = new List<(int Start, int Length, bool IsMatch)>();
        int pos = 0;
        foreach (var m in _regex.EnumerateMatches(shadow.AsSpan(start, length)))
        {
            if (m.Length == 0)
            {
                continue;
            }

            if (m.Index > pos)
            {
                spans.Add((start + pos, m.Index - pos, _invert));
            }

            spans.Add((start + m.Index, m.Length, !_invert));
            pos = m.Index + m.Length;
        }

        if (pos < length)
        {
            spans.Add((start + pos, length - pos, _invert));
        }

        PatternSplitter.Apply(spans, _behavior, output);
    }
}
