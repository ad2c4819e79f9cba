using System.Globalization;
using System.Text;

namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>
/// Text with one UTF-16 unit per code point, for regexes: .NET matches UTF-16 units, so a character outside the
/// BMP (emoji, many CJK extension letters) would be two surrogates of category Cs and never match \p{L} or \p{S}.
/// Each such character is replaced by a BMP stand-in of the same general category, which no pattern in use names
/// explicitly; <see cref="Offsets"/> maps code point positions back to the original string.
/// </summary>
internal sealed class CodePointText
{
    public CodePointText(string original)
    {
        Original = original;
        var sb = new StringBuilder(original.Length);
        var offsets = new List<int>(original.Length + 1);
        for (int i = 0; i < original.Length;)
        {
            offsets.Add(i);
            if (char.IsHighSurrogate(original[i]) && i + 1 < original.Length && char.IsLowSurrogate(original[i + 1]))
            {
                int cp = char.ConvertToUtf32(original[i], original[i + 1]);
                sb.Append(StandIn(cp));
                i += 2;
            }
            else
            {
                sb.Append(original[i]);
                i++;
            }
        }

        offsets.Add(original.Length);
        Shadow = sb.ToString();
        Offsets = offsets.ToArray();
    }

    public string Original { get; }

    /// <summary>The text with one char per code point.</summary>
    public string Shadow { get; }

    /// <summary>UTF-16 offset in <see cref="Original"/> of each code point, plus the end.</summary>
    public int[] Offsets { get; }

    public string Slice(int start, int length) => Original[Offsets[start]..Offsets[start + length]];

    // Oniguruma counts the squared and negative-squared Latin letters (So) as word characters, as it does the BMP's
    // circled letters: they stand in as one of those.
    private static char StandIn(int cp) => cp is >= 0x1F130 and <= 0x1F149 or >= 0x1F150 and <= 0x1F169 or >= 0x1F170 and <= 0x1F189
        ? '\u24B6'
        : StandIn(CharUnicodeInfo.GetUnicodeCategory(cp));

    private static char StandIn(UnicodeCategory c) => c switch
    {
        UnicodeCategory.UppercaseLetter => '\u00C0',
        UnicodeCategory.LowercaseLetter => '\u00DF',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u01BB',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u2460',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u203B',
        UnicodeCategory.MathSymbol => '\u2200',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u00A9',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\u0378',
    };
}
