namespace LlmFramework.Tokenizers;

/// <summary>Everything a SentencePiece-style BPE tokenizer is built from, whatever file it came from.</summary>
internal sealed class SentencePieceOptions
{
    public required string[] Pieces { get; init; }

    public required float[] Scores { get; init; }

    public required int[] Types { get; init; }

    /// <summary>Merge ranks (tokenizer.json); null merges by piece score (SentencePiece, llama.cpp).</summary>
    public Dictionary<(int Left, int Right), int>? MergeRanks { get; init; }

    public bool AddDummyPrefix { get; init; } = true;

    /// <summary>Metaspace prepend_scheme "first": the dummy prefix only for text at the very start of the input.</summary>
    public bool DummyPrefixOnlyAtStart { get; init; }

    /// <summary>Metaspace pre-tokenizer: no dummy prefix when the text already starts with a space or "▁".</summary>
    public bool DummyPrefixUnlessPresent { get; init; }

    public bool ByteFallback { get; init; } = true;

    public bool FuseUnknown { get; init; } = true;

    public int? UnknownId { get; init; }

    public int? BosId { get; init; }

    public int[] EosIds { get; init; } = [];

    public bool AddBos { get; init; } = true;

    public bool AddEos { get; init; }

    /// <summary>Tokens matched in raw text; null derives them from control and user-defined types.</summary>
    public IReadOnlyList<AddedToken>? AddedTokens { get; init; }
}
