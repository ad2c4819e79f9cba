using LlmFramework.Tokenizers.PreTokenization;

namespace LlmFramework.Tokenizers;

/// <summary>Everything a byte-level BPE tokenizer is built from, whatever file it came from.</summary>
internal sealed class ByteLevelBpeOptions
{
    /// <summary>Token text per id (byte-level symbols; added tokens hold their content); null for unused ids.</summary>
    public required string?[] Tokens { get; init; }

    /// <summary>Merge ranks over ids.</summary>
    public required Dictionary<(int Left, int Right), int> MergeRanks { get; init; }

    public required IReadOnlyList<PreTokenizerStep> PreTokenizers { get; init; }

    public bool AddPrefixSpace { get; init; }

    public bool IgnoreMerges { get; init; }

    public int? UnknownId { get; init; }

    public IReadOnlyList<AddedToken> AddedTokens { get; init; } = [];

    public int? BosId { get; init; }

    public int[] EosIds { get; init; } = [];

    public bool AddBos { get; init; }

    public bool AddEos { get; init; }
}
