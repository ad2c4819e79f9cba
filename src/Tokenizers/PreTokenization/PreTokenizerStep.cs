namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>One pre-tokenizer: splits each piece (a code point range of <see cref="CodePointText.Shadow"/>) further.</summary>
internal abstract class PreTokenizerStep
{
    public abstract void Split(string shadow, int start, int length, List<(int Start, int Length)> output);
}
