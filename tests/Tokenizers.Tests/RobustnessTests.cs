using System.Diagnostics;
using System.Text;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>Long inputs, concurrent use and incremental detokenisation.</summary>
public sealed class RobustnessTests
{
    private static readonly Lazy<ITokenizer> Mistral = new(() =>
        TokenizerFactory.FromTokenizerJson(TestData.File("mistral-7b.tokenizer.json"), TestData.File("mistral-7b.tokenizer_config.json")));

    private static readonly Lazy<ITokenizer> DeepSeek = new(() => TokenizerFactory.FromTokenizerJson(TestData.DeepSeekTokenizerJson, null));

    [Fact]
    public void A_megabyte_without_pre_tokenization_encodes_in_seconds_not_hours()
    {
        // Mistral has no pre-tokenizer: the whole text is one word, so a quadratic merge loop would never finish.
        string english = File.ReadAllText(TestData.File("novels-excerpt.txt"));
        var sb = new StringBuilder();
        while (sb.Length < 1_000_000)
        {
            sb.Append(english);
        }

        string text = sb.ToString();
        var watch = Stopwatch.StartNew();
        int[] ids = Mistral.Value.Encode(text);
        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"1 MB took {watch.Elapsed}");
        Assert.Equal(text, Mistral.Value.Decode(ids, skipSpecialTokens: true));
        Assert.True(ids.Length > text.Length / 8);
    }

    [Fact]
    public void One_long_run_of_a_single_character_encodes_quickly()
    {
        var t = TokenizerFactory.FromGgufVocabulary(TestVocabulary.Create(4096));
        string text = new('e', 300_000);
        var watch = Stopwatch.StartNew();
        int[] ids = t.Encode(text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(text, t.Decode(ids, skipSpecialTokens: true));
    }

    [Theory]
    [InlineData(" ")]
    [InlineData(" \t")]
    [InlineData("\n ")]
    [InlineData("a")]
    [InlineData("1")]
    [InlineData("!")]
    [InlineData("你")]
    [InlineData("😀")]
    public void Long_runs_through_the_byte_level_regexes_stay_fast(string unit)
    {
        var t = DeepSeek.Value;
        string text = string.Concat(Enumerable.Repeat(unit, 100_000 / unit.Length)) + "x";
        var watch = Stopwatch.StartNew();
        int[] ids = t.Encode(text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(text, t.Decode(ids));
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_ids_as_sequential()
    {
        var t = Mistral.Value;
        var lines = TestData.ParityLines(400);
        var expected = lines.Select(l => t.Encode(l)).ToArray();
        var actual = new int[lines.Count][];
        Parallel.For(0, lines.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = t.Encode(lines[i]));
        for (int i = 0; i < lines.Count; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    [Fact]
    public void Incremental_detokenisation_from_token_bytes_gives_the_decoded_text()
    {
        var t = Mistral.Value;
        foreach (string line in TestData.ParityLines(300))
        {
            int[] ids = t.Encode(line, addSpecialTokens: false, parseSpecialTokens: false);
            var decoder = Encoding.UTF8.GetDecoder();
            var sb = new StringBuilder();
            var chars = new char[64];
            foreach (int id in ids)
            {
                var bytes = t.GetTokenBytes(id).ToArray();
                int n = decoder.GetChars(bytes, 0, bytes.Length, chars, 0, flush: false);
                sb.Append(chars, 0, n);
            }

            string text = sb.ToString();
            if (t.StripsLeadingSpace && text.StartsWith(' '))
            {
                text = text[1..];
            }

            Assert.Equal(t.Decode(ids), text);
            Assert.Equal(line.Replace('\u2581', ' '), text);
        }
    }

    [Fact]
    public void Empty_text_and_out_of_range_ids_are_handled()
    {
        var t = Mistral.Value;
        Assert.Equal([1], t.Encode(string.Empty));
        Assert.Empty(t.Encode(string.Empty, addSpecialTokens: false));
        Assert.Equal(string.Empty, t.Decode([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.GetTokenBytes(-1).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => t.GetTokenText(t.VocabSize));
        Assert.Null(t.TokenToId("no such token at all"));
        Assert.Equal(2, t.TokenToId("</s>"));
        Assert.True(t.IsSpecial(2));
        Assert.False(t.IsSpecial(100));
    }
}
