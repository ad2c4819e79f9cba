using System.Collections.Concurrent;
using System.Text;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Tokenizers;

/// <summary>
/// SentencePiece BPE with byte fallback (LLaMA 2, Mistral): dummy prefix "▁", spaces become "▁", characters outside
/// the vocabulary become &lt;0xNN&gt; byte tokens. Merges by piece score (SentencePiece models and GGUF "llama"
/// vocabularies, as llama.cpp does) or by merge rank (Hugging Face tokenizer.json). Immutable and thread-safe.
/// </summary>
public sealed class SentencePieceTokenizer : ITokenizer
{
    private const char Metaspace = '\u2581';
    private const int MaxCachedWords = 200_000;
    private readonly string[] _pieces;
    private readonly float[] _scores;
    private readonly int[] _types;
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<string, int> _pieceIds;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _pieceLookup;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)>? _merges;
    private readonly int[] _byteIds;
    private readonly bool _fuseUnknown;
    private readonly int? _unknownId;
    private readonly bool[] _special;
    private readonly AddedTokenMatcher _allAdded;
    private readonly AddedTokenMatcher _nonSpecialAdded;
    private readonly bool _addEos;
    private readonly bool _dummyPrefixOnlyAtStart;
    private readonly bool _dummyPrefixUnlessPresent;
    private readonly bool _mergesStayInsideWords;
    private readonly ConcurrentDictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);

    internal SentencePieceTokenizer(SentencePieceOptions o)
    {
        _pieces = o.Pieces;
        _scores = o.Scores;
        _types = o.Types;
        _pieceIds = new Dictionary<string, int>(_pieces.Length, StringComparer.Ordinal);
        for (int i = 0; i < _pieces.Length; i++)
        {
            _pieceIds.TryAdd(_pieces[i], i);
        }

        _pieceLookup = _pieceIds.GetAlternateLookup<ReadOnlySpan<char>>();
        _byteIds = new int[256];
        for (int b = 0; b < 256; b++)
        {
            _byteIds[b] = o.ByteFallback && _pieceIds.TryGetValue($"<0x{b:X2}>", out int id) ? id : -1;
        }

        if (o.MergeRanks is not null)
        {
            _merges = new Dictionary<(int, int), (int, int)>(o.MergeRanks.Count);
            foreach (var (pair, rank) in o.MergeRanks)
            {
                if (_pieceIds.TryGetValue(_pieces[pair.Left] + _pieces[pair.Right], out int merged))
                {
                    _merges.TryAdd(pair, (rank, merged));
                }
            }
        }

        _fuseUnknown = o.FuseUnknown;
        _unknownId = o.UnknownId;
        BosId = o.BosId;
        EosIds = o.EosIds;
        AddsBos = o.AddBos && o.BosId.HasValue;
        _addEos = o.AddEos;
        StripsLeadingSpace = o.AddDummyPrefix;
        AddsDummyPrefix = o.AddDummyPrefix;
        _dummyPrefixOnlyAtStart = o.DummyPrefixOnlyAtStart;
        _dummyPrefixUnlessPresent = o.DummyPrefixUnlessPresent;

        var added = o.AddedTokens ?? DeriveAddedTokens(_pieces, _types);
        _special = new bool[_pieces.Length];
        for (int i = 0; i < _pieces.Length; i++)
        {
            _special[i] = _types[i] is TokenTypes.Control or TokenTypes.Unknown;
        }

        foreach (var t in added)
        {
            if (t.Special && t.Id < _special.Length)
            {
                _special[t.Id] = true;
            }
        }

        _allAdded = new AddedTokenMatcher(added);
        _nonSpecialAdded = new AddedTokenMatcher(added.Where(t => !t.Special));
        _mergesStayInsideWords = !_pieces.Where((p, i) => _types[i] is not (TokenTypes.Control or TokenTypes.Unknown or TokenTypes.Byte))
            .Any(p => p.AsSpan(0, Math.Max(0, p.Length - 1)).IndexOfAnyExcept(Metaspace) is int k && k >= 0 && p.AsSpan(k).Contains(Metaspace));
        _tokenBytes = new byte[_pieces.Length][];
        for (int i = 0; i < _pieces.Length; i++)
        {
            _tokenBytes[i] = ComputeTokenBytes(i);
        }
    }

    /// <inheritdoc />
    public int VocabSize => _pieces.Length;

    /// <inheritdoc />
    public int? BosId { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> EosIds { get; }

    /// <inheritdoc />
    public bool AddsBos { get; }

    /// <inheritdoc />
    public bool StripsLeadingSpace { get; }

    /// <summary>Whether each run of plain text gets a leading "▁".</summary>
    public bool AddsDummyPrefix { get; }

    /// <summary>Whether merges follow merge ranks (tokenizer.json) rather than piece scores.</summary>
    public bool MergesByRank => _merges is not null;

    /// <inheritdoc />
    public int[] Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>(text.Length / 3 + 2);
        if (addSpecialTokens && AddsBos)
        {
            output.Add(BosId!.Value);
        }

        foreach (var seg in (parseSpecialTokens ? _allAdded : _nonSpecialAdded).Split(text))
        {
            if (seg.TokenId >= 0)
            {
                output.Add(seg.TokenId);
            }
            else
            {
                EncodePlain(text.AsSpan(seg.Start, seg.Length), AddsDummyPrefix && (seg.Start == 0 || !_dummyPrefixOnlyAtStart), output);
            }
        }

        if (addSpecialTokens && _addEos && EosIds.Count > 0)
        {
            output.Add(EosIds[0]);
        }

        return output.ToArray();
    }

    private void EncodePlain(ReadOnlySpan<char> text, bool dummyPrefix, List<int> output)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var normalized = new StringBuilder(text.Length + 1);
        if (dummyPrefix && !(_dummyPrefixUnlessPresent && text[0] is ' ' or Metaspace))
        {
            normalized.Append(Metaspace);
        }

        foreach (char c in text)
        {
            normalized.Append(c == ' ' ? Metaspace : c);
        }

        string s = normalized.ToString();
        if (!_mergesStayInsideWords)
        {
            EncodeWord(s, output);
            return;
        }

        // No mergeable piece has "▁" after another character, so no merge crosses the start of a word
        // ("▁" after a non-"▁"): each word is merged alone, and repeated words come from the cache.
        int start = 0;
        for (int i = 1; i <= s.Length; i++)
        {
            if (i == s.Length || (s[i] == Metaspace && s[i - 1] != Metaspace))
            {
                string word = s[start..i];
                if (_wordCache.TryGetValue(word, out var cached))
                {
                    output.AddRange(cached);
                }
                else
                {
                    int before = output.Count;
                    EncodeWord(word, output);
                    if (word.Length <= 64 && _wordCache.Count < MaxCachedWords)
                    {
                        _wordCache.TryAdd(word, output.GetRange(before, output.Count - before).ToArray());
                    }
                }

                start = i;
            }
        }
    }

    private void EncodeWord(string s, List<int> output)
    {
        var symbols = new List<int>(s.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (int i = 0; i < s.Length;)
        {
            int len = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            var ch = s.AsSpan(i, len);
            if (_pieceLookup.TryGetValue(ch, out int id))
            {
                symbols.Add(id);
            }
            else
            {
                AddFallback(ch, symbols, utf8);
            }

            i += len;
        }

        var ids = symbols.ToArray();
        int n = _merges is not null ? BpeMerger.Merge(ids, LookupByRank) : BpeMerger.Merge(ids, LookupByScore);
        output.AddRange(ids.AsSpan(0, n));
    }

    private void AddFallback(ReadOnlySpan<char> ch, List<int> symbols, Span<byte> utf8)
    {
        int count = Encoding.UTF8.GetBytes(ch, utf8);
        bool all = true;
        for (int b = 0; b < count; b++)
        {
            all &= _byteIds[utf8[b]] >= 0;
        }

        if (all)
        {
            for (int b = 0; b < count; b++)
            {
                symbols.Add(_byteIds[utf8[b]]);
            }
        }
        else if (_unknownId is int unk)
        {
            if (!(_fuseUnknown && symbols.Count > 0 && symbols[^1] == unk))
            {
                symbols.Add(unk);
            }
        }
        else
        {
            throw new InvalidOperationException($"Character U+{char.ConvertToUtf32(ch[0], ch.Length > 1 ? ch[1] : '\0'):X4} is not in the vocabulary and the tokenizer has neither byte fallback nor an unknown token.");
        }
    }

    private bool LookupByRank(int left, int right, out double key, out int merged)
    {
        if (_merges!.TryGetValue((left, right), out var m))
        {
            key = m.Rank;
            merged = m.Merged;
            return true;
        }

        key = 0;
        merged = -1;
        return false;
    }

    private bool LookupByScore(int left, int right, out double key, out int merged)
    {
        key = 0;
        merged = -1;
        if (_types[left] is TokenTypes.Byte or TokenTypes.Control or TokenTypes.Unknown ||
            _types[right] is TokenTypes.Byte or TokenTypes.Control or TokenTypes.Unknown)
        {
            return false;
        }

        string a = _pieces[left], b = _pieces[right];
        int len = a.Length + b.Length;
        Span<char> buffer = len <= 256 ? stackalloc char[len] : new char[len];
        a.AsSpan().CopyTo(buffer);
        b.AsSpan().CopyTo(buffer[a.Length..]);
        if (_pieceLookup.TryGetValue(buffer, out int id) &&
            _types[id] is not (TokenTypes.Byte or TokenTypes.Control or TokenTypes.Unknown))
        {
            key = -_scores[id];
            merged = id;
            return true;
        }

        return false;
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_pieces.Length || (skipSpecialTokens && _special[id]))
            {
                continue;
            }

            bytes.AddRange(_tokenBytes[id]);
        }

        string text = Encoding.UTF8.GetString(bytes.ToArray());
        return StripsLeadingSpace && text.StartsWith(' ') ? text[1..] : text;
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetTokenBytes(int id) =>
        (uint)id < (uint)_tokenBytes.Length ? _tokenBytes[id] : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside 0..{_tokenBytes.Length - 1}.");

    /// <inheritdoc />
    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <inheritdoc />
    public string GetTokenText(int id) =>
        (uint)id < (uint)_pieces.Length ? _pieces[id] : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside 0..{_pieces.Length - 1}.");

    /// <inheritdoc />
    public int? TokenToId(string tokenText) => _pieceIds.TryGetValue(tokenText, out int id) ? id : null;

    /// <summary>The score of piece <paramref name="id"/>.</summary>
    public float GetScore(int id) => _scores[id];

    private static List<AddedToken> DeriveAddedTokens(string[] pieces, int[] types)
    {
        var list = new List<AddedToken>();
        for (int i = 0; i < pieces.Length; i++)
        {
            // As llama.cpp: control, unknown and user-defined pieces are matched in raw text (the first two as special).
            if (types[i] is TokenTypes.Control or TokenTypes.Unknown or TokenTypes.UserDefined)
            {
                list.Add(new AddedToken(i, pieces[i], types[i] != TokenTypes.UserDefined));
            }
        }

        return list;
    }

    private byte[] ComputeTokenBytes(int id)
    {
        string piece = _pieces[id];
        if (_types[id] == TokenTypes.Byte && piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) &&
            byte.TryParse(piece.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte value))
        {
            return [value];
        }

        return Encoding.UTF8.GetBytes(piece.Replace(Metaspace, ' '));
    }
}
