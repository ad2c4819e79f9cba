namespace LlmFramework.Tokenizers;

/// <summary>Which tokens end generation: the EOS token plus the end-of-turn tokens chat models emit.</summary>
internal static class EndOfGeneration
{
    /// <summary>End-of-turn token texts that llama.cpp also treats as end of generation.</summary>
    private static readonly HashSet<string> EndOfTurnTexts = new(StringComparer.Ordinal)
    {
        "<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>", "<｜end▁of▁sentence｜>",
    };

    public static int[] Ids(int? eosId, int? eotId, IEnumerable<(int Id, string Text)> specialTokens)
    {
        var ids = new List<int>();
        if (eosId is int e)
        {
            ids.Add(e);
        }

        if (eotId is int t && !ids.Contains(t))
        {
            ids.Add(t);
        }

        foreach (var (id, text) in specialTokens)
        {
            if (EndOfTurnTexts.Contains(text) && !ids.Contains(id))
            {
                ids.Add(id);
            }
        }

        return ids.ToArray();
    }
}
