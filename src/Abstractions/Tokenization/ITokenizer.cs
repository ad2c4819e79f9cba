namespace LlmFramework.Abstractions.Tokenization;

/// <summary>Turns text into token ids and back. Implementations are immutable and thread-safe.</summary>
public interface ITokenizer
{
    /// <summary>Number of ids (including added and special tokens).</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id, if the model uses one.</summary>
    int? BosId { get; }

    /// <summary>Ids that end generation (end-of-sequence, end-of-turn).</summary>
    IReadOnlyList<int> EosIds { get; }

    /// <summary>Whether <see cref="Encode"/> with <c>addSpecialTokens</c> prepends <see cref="BosId"/>.</summary>
    bool AddsBos { get; }

    /// <summary>
    /// Encodes <paramref name="text"/>. With <paramref name="addSpecialTokens"/> the model's BOS is prepended (when
    /// it uses one). With <paramref name="parseSpecialTokens"/> the text of special tokens (e.g. "&lt;s&gt;") maps to
    /// their ids; without it such text is encoded as ordinary text.
    /// </summary>
    int[] Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = true);

    /// <summary>Decodes ids to text; special tokens are dropped when <paramref name="skipSpecialTokens"/>.</summary>
    string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false);

    /// <summary>
    /// The raw bytes token <paramref name="id"/> contributes to decoded text (byte-fallback tokens give their byte,
    /// SentencePiece's U+2581 gives a space, byte-level BPE symbols give their bytes). A token may hold part of a
    /// UTF-8 character; concatenating the bytes of a sequence and decoding as UTF-8 gives the text, except for the
    /// leading space that <see cref="StripsLeadingSpace"/> says to drop.
    /// </summary>
    ReadOnlySpan<byte> GetTokenBytes(int id);

    /// <summary>Whether decoding drops one leading space of the text (SentencePiece's dummy prefix).</summary>
    bool StripsLeadingSpace { get; }

    /// <summary>Whether <paramref name="id"/> is a special (control) token.</summary>
    bool IsSpecial(int id);

    /// <summary>The vocabulary entry of <paramref name="id"/> as stored (e.g. "▁the", "&lt;0x0A&gt;", "Ġthe").</summary>
    string GetTokenText(int id);

    /// <summary>The id of a vocabulary entry, or null.</summary>
    int? TokenToId(string tokenText);
}
