using System.Globalization;

namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>
/// A split on characters that satisfy a predicate, each one a delimiter (Hugging Face's NormalizedString.split with a
/// char pattern): the Digits, Punctuation, WhitespaceSplit and CharDelimiterSplit pre-tokenizers.
/// </summary>
internal sealed class CharSplitStep(Func<char, bool> isDelimiter, SplitBehavior behavior) : PreTokenizerStep
{
    /// <summary>"Digits": numbers (Nd, Nl, No) one by one, or runs of them.</summary>
    public static CharSplitStep Digits(bool individualDigits) =>
        new(IsNumeric, individualDigits ? SplitBehavior.Isolated : SplitBehavior.Contiguous);

    /// <summary>"WhitespaceSplit": splits on white space, dropping it.</summary>
    public static CharSplitStep WhitespaceSplit() => new(char.IsWhiteSpace, SplitBehavior.Removed);

    /// <summary>"Punctuation": ASCII punctuation and Unicode punctuation (P*), with <paramref name="behavior"/>.</summary>
    public static CharSplitStep Punctuation(SplitBehavior behavior) => new(IsPunctuation, behavior);

    /// <summary>"CharDelimiterSplit": splits on <paramref name="delimiter"/>, dropping it.</summary>
    public static CharSplitStep CharDelimiter(char delimiter) => new(c => c == delimiter, SplitBehavior.Removed);

    public override void Split(string shadow, int start, int length, List<(int Start, int Length)> output)
    {
        var spans = new List<(int Start, int Length, bool IsMatch)>();
        int end = start + length;
        for (int i = start; i < end;)
        {
            if (isDelimiter(shadow[i]))
            {
                spans.Add((i, 1, true));
                i++;
                continue;
            }

            int j = i + 1;
            while (j < end && !isDelimiter(shadow[j]))
            {
                j++;
            }

            spans.Add((i, j - i, false));
            i = j;
        }

        PatternSplitter.Apply(spans, behavior, output);
    }

    private static bool IsNumeric(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    // Rust's is_ascii_punctuation counts ASCII symbols too ($, +, <, ^, `, |, ~): every printable non-alphanumeric.
    private static bool IsPunctuation(char c) => c < 0x80 ? c is > ' ' and < '\x7f' && !char.IsAsciiLetterOrDigit(c) : char.IsPunctuation(c);
}
