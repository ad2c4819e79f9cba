using System.Globalization;

namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>Hugging Face's "Digits" pre-tokenizer: isolates runs of digits, or each digit.</summary>
internal sealed class DigitsStep(bool individualDigits) : PreTokenizerStep
{
    public override void Split(string shadow, int start, int length, List<(int Start, int Length)> output)
    {
        var spans = new List<(int Start, int Length, bool IsMatch)>();
        int end = start + length;
        for (int i = start; i < end;)
        {
            bool digit = IsNumeric(shadow[i]);
            int j = i + 1;
            if (!digit || !individualDigits)
            {
                while (j < end && IsNumeric(shadow[j]) == digit)
                {
                    j++;
                }
            }

            spans.Add((i, j - i, digit));
            i = j;
        }

        PatternSplitter.Apply(spans, SplitBehavior.Isolated, output);
    }

    private static bool IsNumeric(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
}
