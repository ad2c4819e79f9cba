using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Engine.Tests.Text;

/// <summary>A fake tokenizer whose token i is the i-th slice of a byte string cut at the given lengths.</summary>
internal sealed class SplitTokenizer : ITokenizer
{
    private readonly byte[][] _pieces;

    public SplitTokenizer(byte[] bytes, int[] lengths)
    {
        _pieces = new byte[lengths.Length][];
        int offset = 0;
        for (int i = 0; i < lengths.Length; i++)
        {
            _pieces[i] = bytes[offset..(offset + lengths[i])];
            offset += lengths[i];
        }

        Assert.Equal(bytes.Length, offset);
    }

    public int VocabSize => _pieces.Length;

    public int? BosId => null;

    public IReadOnlyList<int> EosIds => [];

    public bool AddsBos => false;

    public bool StripsLeadingSpace => false;

    public int[] Encode(string text, bool addSpecialTokens = true, bool parseSpecialTokens = true) =>
        throw new NotSupportedException();

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false) => throw new NotSupportedException();

    public ReadOnlySpan<byte> GetTokenBytes(int id) => _pieces[id];

    public bool IsSpecial(int id) => false;

    public string GetTokenText(int id) => throw new NotSupportedException();

    public int? TokenToId(string tokenText) => null;
}
