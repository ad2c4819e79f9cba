using Xunit.Abstractions;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>The novels-4k SentencePiece BPE model read from its .model file against SentencePiece's own ids.</summary>
public sealed class SentencePieceModelTests(ITestOutputHelper output)
{
    private static string ModelPath => TestData.File("novels4k.model");

    /// <summary>
    /// Expected ids come from SentencePiece itself (spm_encode 0.1.97 over the one-line texts of the parity corpus;
    /// Microsoft.ML.Tokenizers' LlamaTokenizer was tried first but breaks equal-score ties to the right, unlike
    /// SentencePiece, e.g. "   " at the end of a line).
    /// </summary>
    [Fact]
    public void Novels4k_matches_sentencepiece_ids_and_round_trips()
    {
        var ours = TokenizerFactory.FromSentencePieceModel(ModelPath, null);
        int mismatches = 0, count = 0;
        foreach (string json in File.ReadLines(TestData.File("novels4k-expected-ids.jsonl")))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            string text = doc.RootElement.GetProperty("text").GetString()!;
            int[] expected = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int[] actual = ours.Encode(text, addSpecialTokens: false, parseSpecialTokens: false);
            count++;
            if (!expected.SequenceEqual(actual) && mismatches++ < 5)
            {
                output.WriteLine($"ids differ for {HuggingFaceParityTests.Show(text)}\n  spm:  {string.Join(",", expected)}\n  ours: {string.Join(",", actual)}");
            }

            Assert.Equal(text.Replace('\u2581', ' '), ours.Decode(actual));
            Assert.Equal(text.Replace('\u2581', ' '), HuggingFaceParityTests.ConcatTokenBytes(ours, actual));
        }

        Assert.True(count >= 800);
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Novels4k_reads_the_model_header()
    {
        var t = TokenizerFactory.FromSentencePieceModel(ModelPath, null);
        Assert.Equal(4096, t.VocabSize);
        Assert.Equal(1, t.BosId);
        Assert.Equal([2], t.EosIds);
        Assert.True(t.AddsBos);
        Assert.True(t.StripsLeadingSpace);
        Assert.Equal("<0x0A>", t.GetTokenText(t.TokenToId("<0x0A>")!.Value));
        Assert.Equal([(byte)'\n'], t.GetTokenBytes(t.TokenToId("<0x0A>")!.Value).ToArray());
        Assert.True(t.IsSpecial(1));
    }
}
