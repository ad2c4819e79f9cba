using System.Collections.Concurrent;
using System.Text;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers.PreTokenization;

namespace LlmFramework.Tokenizers;

/// <summary>
/// Byte-level BPE (GPT-2, LLaMA 3, DeepSeek-V3): added tokens are matched first, the rest is split by the
/// pre-tokenizers, each piece's UTF-8 bytes are mapped to GPT-2's printable alphabet and merged by merge rank.
/// Immutable and thread-safe; a bounded per-word cache makes repeated words cheap.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    private const int MaxCachedWords = 200_000;
    private readonly string?[] _tokens;
    private readonly byte[][] _tokenBytes;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idLookup;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;
    private readonly int[] _byteIds;
    private readonly IReadOnlyList<PreTokenizerStep> _preTokenizers;
    private readonly bool _addPrefixSpace;
    private readonly bool _ignoreMerges;
    private readonly int? _unknownId;
    private readonly bool[] _special;
    private readonly AddedTokenMatcher _allAdded;
    private readonly AddedTokenMatcher _nonSpecialAdded;
    private readonly bool _addEos;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    internal ByteLevelBpeTokenizer(ByteLevelBpeOptions o)
    {
        _tokens = o.Tokens;
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
        {
            if (_tokens[i] is { } t)
            {
                _ids.TryAdd(t, i);
            }
        }

        _idLookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        _merges = new Dictionary<(int, int), (int, int)>(o.MergeRanks.Count);
        foreach (var (pair, rank) in o.MergeRanks)
        {
            if (_ids.TryGetValue(_tokens[pair.Left] + _tokens[pair.Right], out int merged))
            {
                _merges.TryAdd(pair, (rank, merged));
            }
        }

        _byteIds = new int[256];
        for (int b = 0; b < 256; b++)
        {
            _byteIds[b] = _ids.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out int id) ? id : -1;
        }

        _preTokenizers = o.PreTokenizers;
        _addPrefixSpace = o.AddPrefixSpace;
        _ignoreMerges = o.IgnoreMerges;
        _unknownId = o.UnknownId;
        BosId = o.BosId;
        EosIds = o.EosIds;
        AddsBos = o.AddBos && o.BosId.HasValue;
        _addEos = o.AddEos;
        _special = new bool[_tokens.Length];
        foreach (var t in o.AddedTokens)
        {
            _special[t.Id] = t.Special;
        }

        _allAdded = new AddedTokenMatcher(o.AddedTokens);
        _nonSpecialAdded = new AddedTokenMatcher(o.AddedTokens.Where(t => !t.Special));
        _tokenBytes = new byte[_tokens.Length][];
        for (int i = 0; i < _tokens.Length; i++)
        {
            _tokenBytes[i] = ComputeTokenBytes(_tokens[i]);
        }
    }

    /// <inheritdoc />
    public int VocabSize => _tokens.Length;

    /// <inheritdoc />
    public int? BosId { get; }

    /// <inheritdoc />
    public IReadOnlyList<int> EosIds { get; }

    /// <inheritdoc />
    public bool AddsBos { get; }

    /// <inheritdoc />
    public bool StripsLeadingSpace => false;

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
                EncodePlain(text.Substring(seg.Start, seg.Length), output);
            }
        }

        if (addSpecialTokens && _addEos && EosIds.Count > 0)
        {
            output.Add(EosIds[0]);
        }

        return output.ToArray();
    }

    /// <summary>The pre-tokenized pieces of <paramref name="text"/> (no added-token matching), for tests and tools.</summary>
    public IReadOnlyList<string> PreTokenize(string text)
    {
        if (_addPrefixSpace && !text.StartsWith(' '))
        {
            text = " " + text;
        }

        var cp = new CodePointText(text);
        var pieces = new List<(int Start, int Length)> { (0, cp.Shadow.Length) };
        foreach (var step in _preTokenizers)
        {
            var next = new List<(int Start, int Length)>(pieces.Count * 2);
            foreach (var (start, length) in pieces)
            {
                step.Split(cp.Shadow, start, length, next);
            }

            pieces = next;
        }

        return pieces.Where(p => p.Length > 0).Select(p => cp.Slice(p.Start, p.Length)).ToList();
    }

    private void EncodePlain(string text, List<int> output)
    {
        if (text.Length == 0)
        {
            return;
        }

        foreach (string word in PreTokenize(text))
        {
            if (_cache.TryGetValue(word, out var cached))
            {
                output.AddRange(cached);
                continue;
            }

            int[] ids = EncodeWord(word);
            if (_cache.Count < MaxCachedWords && word.Length <= 64)
            {
                _cache.TryAdd(word, ids);
            }

            output.AddRange(ids);
        }
    }

    private int[] EncodeWord(string word)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(word);
        if (_ignoreMerges)
        {
            Span<char> mapped = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++)
            {
                mapped[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
            }

            if (_idLookup.TryGetValue(mapped, out int whole))
            {
                return [whole];
            }
        }

        var ids = new int[bytes.Length];
        int n = 0;
        foreach (byte b in bytes)
        {
            int id = _byteIds[b];
            if (id >= 0)
            {
                ids[n++] = id;
            }
            else if (_unknownId is int unk)
            {
                ids[n++] = unk;
            }
        }

        int count = BpeMerger.Merge(ids.AsSpan(0, n), LookupByRank);
        return ids.AsSpan(0, count).ToArray();
    }

    private bool LookupByRank(int left, int right, out double key, out int merged)
    {
        if (_merges.TryGetValue((left, right), out var m))
        {
            key = m.Rank;
            merged = m.Merged;
            return true;
        }

        key = 0;
        merged = -1;
        return false;
    }

    /// <inheritdoc />
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_tokens.Length || (skipSpecialTokens && _special[id]))
            {
                continue;
            }

            bytes.AddRange(_tokenBytes[id]);
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetTokenBytes(int id) =>
        (uint)id < (uint)_tokenBytes.Length ? _tokenBytes[id] : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside 0..{_tokenBytes.Length - 1}.");

    /// <inheritdoc />
    public bool IsSpecial(int id) => (uint)id < (uint)_special.Length && _special[id];

    /// <inheritdoc />
    public string GetTokenText(int id) =>
        (uint)id < (uint)_tokens.Length ? _tokens[id] ?? string.Empty : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside 0..{_tokens.Length - 1}.");

    /// <inheritdoc />
    public int? TokenToId(string tokenText) => _ids.TryGetValue(tokenText, out int id) ? id : null;

    private static byte[] ComputeTokenBytes(string? token)
    {
        if (token is null)
        {
            return [];
        }

        var bytes = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
        {
            if (!ByteLevelAlphabet.CharToByte.TryGetValue(token[i], out bytes[i]))
            {
                return Encoding.UTF8.GetBytes(token);
            }
        }

        return bytes;
    }
}
