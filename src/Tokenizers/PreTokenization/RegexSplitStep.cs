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

    /// <summary>
    /// Compiles (once per pattern) a Hugging Face (Oniguruma, Ruby syntax) pattern as a .NET regex. Ruby syntax makes
    /// ^ and $ line anchors, as .NET's Multiline option does.
    /// </summary>
    public static Regex GetRegex(string pattern) =>
        Cache.GetOrAdd(pattern, p => new Regex(OnigurumaPattern.ToDotNet(p), RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.Multiline));

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
