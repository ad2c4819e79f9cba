using System.Text;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Engine.Tests.Support;

/// <summary>Token i is the character at index i of <see cref="Alphabet"/>; the last id is an end-of-sequence token.</summary>
internal sealed class CharTokenizer : ITokenizer
{
    public const string Alphabet = "abcdefghijklmnopqrstuvwxyz .,!?";

    private readonly byte[][] _bytes;

    public CharTokenizer()
    {
        _bytes = Alphabet.Select(c => Encoding.UTF8.GetBytes(c.ToString())).Append([]).ToArray();
    }

    public int VocabSize => Alphabet.Length + 1;

    public int EosId => Alphabet.Length;

    public int? BosId => null;

    public IReadOnlyList<int> EosIds => [EosId];

    public bool AddsBos => false;

    public bool StripsLeadingSpace => false;

    public int[] Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = true) =>
        text.Select(c => Alphabet.IndexOf(c, StringComparison.Ordinal) is int i and >= 0 ? i : throw new ArgumentException($"no token for '{c}'")).ToArray();

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var sb = new StringBuilder();
        foreach (int id in ids)
        {
            if (id < Alphabet.Length)
            {
                sb.Append(Alphabet[id]);
            }
        }

        return sb.ToString();
    }

    public ReadOnlySpan<byte> GetTokenBytes(int id) => _bytes[id];

    public bool IsSpecial(int id) => id == EosId;

    public string GetTokenText(int id) => id == EosId ? "</s>" : Alphabet[id].ToString();

    public int? TokenToId(string tokenText) => tokenText == "</s>" ? EosId : Alphabet.IndexOf(tokenText, StringComparison.Ordinal) is int i and >= 0 ? i : null;
}
