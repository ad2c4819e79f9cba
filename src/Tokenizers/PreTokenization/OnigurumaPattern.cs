using System.Text;

namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>Rewrites an Oniguruma (Ruby syntax) pattern, as Hugging Face tokenizers compile them, into .NET regex syntax.</summary>
internal static class OnigurumaPattern
{
    // Oniguruma's Unicode \w, measured against Hugging Face tokenizers: Alphabetic (letters, Nl, the circled letters),
    // marks, decimal digits and connector punctuation. Outside a class it also takes Latin-1's superscript digits and
    // fractions. .NET's \w lacks Mc, Me, Nl and the circled letters.
    private const string WordChars = @"\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\u24B6-\u24E9";

    private const string Latin1WordNumbers = @"\u00B2\u00B3\u00B9\u00BC-\u00BE";

    // Ruby's \h is a hexadecimal digit; .NET has no \h.
    private const string HexChars = "0-9a-fA-F";

    /// <summary>The .NET form of <paramref name="pattern"/>.</summary>
    /// <exception cref="NotSupportedException">The pattern uses Oniguruma syntax that has no rewrite here.</exception>
    public static string ToDotNet(string pattern) => RewritePossessive(RewriteClassEscapes(pattern));

    /// <summary>
    /// Spells out \w, \W, \h and \H with Oniguruma's meaning, in and outside character classes. Refuses what would
    /// otherwise compile with another meaning: nested classes and intersections (a '[' or "&amp;&amp;" inside a class),
    /// and characters outside the BMP (matching runs on <see cref="CodePointText.Shadow"/>, where they are stand-ins).
    /// </summary>
    /// <exception cref="NotSupportedException">The pattern has one of those.</exception>
    internal static string RewriteClassEscapes(string pattern)
    {
        if (pattern.Any(char.IsSurrogate))
        {
            throw new NotSupportedException($"the pattern names characters outside the Basic Multilingual Plane, which are not supported: {pattern}");
        }

        if (!pattern.Contains('\\', StringComparison.Ordinal) && !pattern.Contains('[', StringComparison.Ordinal))
        {
            return pattern;
        }

        var sb = new StringBuilder(pattern.Length + 32);
        bool inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                char e = pattern[++i];
                string? set = e switch
                {
                    'w' or 'W' => inClass ? WordChars : WordChars + Latin1WordNumbers,
                    'h' or 'H' => HexChars,
                    _ => null,
                };
                if (set is null || (inClass && char.IsUpper(e)))
                {
                    // A negated class escape inside a class cannot be spliced in; .NET's own \W is the nearest.
                    sb.Append(c).Append(e);
                }
                else if (inClass)
                {
                    sb.Append(set);
                }
                else
                {
                    sb.Append(char.IsUpper(e) ? "[^" : "[").Append(set).Append(']');
                }

                continue;
            }

            if (!inClass && c == '[')
            {
                inClass = true;
                sb.Append(c);

                // A ']' right after '[' or '[^' is a literal member.
                if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                {
                    sb.Append(pattern[++i]);
                }

                if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                {
                    sb.Append(pattern[++i]);
                }

                continue;
            }

            if (inClass && c == ']')
            {
                inClass = false;
            }
            else if (inClass && (c == '[' || (c == '&' && i + 1 < pattern.Length && pattern[i + 1] == '&')))
            {
                throw new NotSupportedException($"the pattern has a nested character class or a class intersection, which are not supported: {pattern}");
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>Rewrites possessive quantifiers (X?+, X*+, X++), which .NET lacks, as atomic groups.</summary>
    internal static string RewritePossessive(string pattern)
    {
        if (!pattern.Contains("?+", StringComparison.Ordinal) && !pattern.Contains("*+", StringComparison.Ordinal) &&
            !pattern.Contains("++", StringComparison.Ordinal) && !pattern.Contains("}+", StringComparison.Ordinal))
        {
            return pattern;
        }

        // Find atoms and their quantifiers; wrap atom+quantifier in (?>...) when followed by '+'.
        var sb = new StringBuilder();
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
}
