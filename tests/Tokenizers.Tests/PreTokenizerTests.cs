using LlmFramework.Tokenizers.PreTokenization;

namespace LlmFramework.Tokenizers.Tests;

public sealed class PreTokenizerTests
{
    [Theory]
    [InlineData("llama3", "Hello world's 12345!!\n\nok I'M", new[] { "Hello", " world", "'s", " ", "123", "45", "!!\n\n", "ok", " I", "'M" })]
    [InlineData("default", "Hello world's 12345!!", new[] { "Hello", " world", "'s", " 12345", "!!" })]
    [InlineData("gpt2", "a  b   \n", new[] { "a", " ", " b", "   \n" })]
    [InlineData("deepseek-v3", "abc 1234 你好x", new[] { "abc", " ", "123", "4", " ", "你好", "x" })]
    [InlineData("deepseek-v3", "a 😀b 𝐀𝐁", new[] { "a", " 😀", "b", " 𝐀𝐁" })]
    [InlineData("llama3", "x 👨‍👩‍👧 y", new[] { "x", " 👨‍👩‍👧", " y" })]
    public void Gguf_pre_tokenizers_split_as_their_regexes_do(string pre, string text, string[] expected)
    {
        var t = (ByteLevelBpeTokenizer)TokenizerFactory.FromGgufVocabulary(ByteVocabulary(pre));
        Assert.Equal(expected, t.PreTokenize(text));
        Assert.Equal(text, t.Decode(t.Encode(text)));
    }

    [Theory]
    [InlineData(@"\p{L}++", @"(?>\p{L}+)")]
    [InlineData(@"[a-z]?+x", @"(?>[a-z]?)x")]
    [InlineData(@"(ab)*+c", @"(?>(ab)*)c")]
    [InlineData(@"a{1,3}+", @"(?>a{1,3})")]
    [InlineData(@"[+]+|\+++", @"[+]+|(?>\++)")]
    [InlineData(@"\s+(?!\S)", @"\s+(?!\S)")]
    public void Possessive_quantifiers_become_atomic_groups(string pattern, string expected) =>
        Assert.Equal(expected, OnigurumaPattern.RewritePossessive(pattern));

    [Theory]
    [InlineData(@"\w+", @"[\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\u24B6-\u24E9\u00B2\u00B3\u00B9\u00BC-\u00BE]+")]
    [InlineData(@"[\w']+", @"[\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\u24B6-\u24E9']+")]
    [InlineData(@"\W", @"[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\u24B6-\u24E9\u00B2\u00B3\u00B9\u00BC-\u00BE]")]
    [InlineData(@"\h+|[^\h\s]", @"[0-9a-fA-F]+|[^0-9a-fA-F\s]")]
    [InlineData(@"[]\w]|\\w", @"[]\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\u24B6-\u24E9]|\\w")]
    [InlineData(@"\p{L}+|\s+(?!\S)", @"\p{L}+|\s+(?!\S)")]
    public void Class_escapes_take_onigurumas_meaning(string pattern, string expected) =>
        Assert.Equal(expected, OnigurumaPattern.RewriteClassEscapes(pattern));

    [Theory]
    [InlineData("Isolated", false, "a,b,,c", new[] { "a", ",", "b", ",", ",", "c" })]
    [InlineData("Removed", false, "a,b,,c", new[] { "a", "b", "c" })]
    [InlineData("Contiguous", false, "a,b,,c", new[] { "a", ",", "b", ",,", "c" })]
    [InlineData("MergedWithPrevious", false, "a,b,,c", new[] { "a,", "b,", ",", "c" })]
    [InlineData("MergedWithNext", false, "a,b,,c", new[] { "a", ",b", ",", ",c" })]
    [InlineData("Isolated", true, "a,b", new[] { "a", ",", "b" })]
    [InlineData("Removed", true, "ab,cd", new[] { "ab", "cd" })]
    public void Split_behaviours_follow_hugging_face(string behaviorName, bool invert, string text, string[] expected)
    {
        var behavior = Enum.Parse<SplitBehavior>(behaviorName);
        var step = new RegexSplitStep(invert ? "[a-z]+" : ",", behavior, invert);
        var output = new List<(int Start, int Length)>();
        step.Split(text, 0, text.Length, output);
        Assert.Equal(expected, output.Select(p => text.Substring(p.Start, p.Length)));
    }

    [Fact]
    public void Digits_pre_tokenizer_isolates_each_digit_or_runs()
    {
        const string Text = "ab12c345";
        var single = new List<(int Start, int Length)>();
        CharSplitStep.Digits(true).Split(Text, 0, Text.Length, single);
        Assert.Equal(["ab", "1", "2", "c", "3", "4", "5"], single.Select(p => Text.Substring(p.Start, p.Length)));
        var runs = new List<(int Start, int Length)>();
        CharSplitStep.Digits(false).Split(Text, 0, Text.Length, runs);
        Assert.Equal(["ab", "12", "c", "345"], runs.Select(p => Text.Substring(p.Start, p.Length)));
    }

    [Fact]
    public void Byte_level_alphabet_is_gpt2s()
    {
        Assert.Equal('\u0120', ByteLevelAlphabet.ByteToChar[' ']);
        Assert.Equal('\u010A', ByteLevelAlphabet.ByteToChar['\n']);
        Assert.Equal('A', ByteLevelAlphabet.ByteToChar['A']);
        Assert.Equal(256, ByteLevelAlphabet.CharToByte.Count);
    }

    /// <summary>A byte-level vocabulary of the 256 byte symbols and no merges.</summary>
    private static GgufVocabulary ByteVocabulary(string pre) => new()
    {
        Model = "gpt2",
        Pre = pre,
        Tokens = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ByteToChar[b].ToString()).ToArray(),
        Merges = [],
    };
}
