using System.Text;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Engine.Tests.Text;

/// <summary>
/// A fake tokenizer for detokenisation tests: ids 0-255 are single bytes, then come the given multi-byte pieces, then
/// the special tokens (which contribute no bytes).
/// </summary>
internal sealed class ByteTokenizer : ITokenizer
{
    private readonly byte[][] _pieces;
    private readonly string[] _specials;

    public ByteTokenizer(IReadOnlyList<string>? pieces = null, IReadOnlyList<string>? specials = null, bool stripsLeadingSpace = false)
    {
        var all = new List<byte[]>();
        for (int b = 0; b < 256; b++)
        {
            all.Add([(byte)b]);
        }

        foreach (string piece in pieces ?? [])
        {
            all.Add(Encoding.UTF8.GetBytes(piece));
        }

        _pieces = [.. all];
        _specials = [.. specials ?? []];
        StripsLeadingSpace = stripsLeadingSpace;
    }

    public int VocabSize => _pieces.Length + _specials.Length;

    public int? BosId => null;

    public IReadOnlyList<int> EosIds => [];

    public bool AddsBos => false;

    public bool StripsLeadingSpace { get; }

    public int PieceId(string piece) => Array.FindIndex(_pieces, 256, p => p.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(piece)));

    public int SpecialId(string special) => _pieces.Length + Array.IndexOf(_specials, special);

    /// <summary>Every byte of the text as its own token.</summary>
    public int[] EncodeBytes(string text) => [.. Encoding.UTF8.GetBytes(text).Select(b => (int)b)];

    public int[] Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = true) => EncodeBytes(text);

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false) =>
        throw new NotSupportedException("the detokenizer under test must not call Decode");

    public ReadOnlySpan<byte> GetTokenBytes(int id) => id < _pieces.Length ? _pieces[id] : [];

    public bool IsSpecial(int id) => id >= _pieces.Length;

    public string GetTokenText(int id) => id < _pieces.Length ? Encoding.UTF8.GetString(_pieces[id]) : _specials[id - _pieces.Length];

    public int? TokenToId(string tokenText) => null;
}
