namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>Hugging Face's "Punctuation"-free "WhitespaceSplit": splits on whitespace, dropping it.</summary>
internal sealed class WhitespaceSplitStep : PreTokenizerStep
{
    public override void Split(string shadow, int start, int length, List<(int Start, int Length)> output)
    {
        int end = start + length;
        for (int i = start; i < end;)
        {
            if (char.IsWhiteSpace(shadow[i]))
            {
                i++;
                continue;
            }

            int j = i;
            while (j < end && !char.IsWhiteSpace(shadow[j]))
            {
                j++;
            }

            output.Add((i, j - i));
            i = j;
        }
    }
}
