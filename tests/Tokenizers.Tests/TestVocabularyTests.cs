using HfTokenizer = global::Tokenizers.DotNet.Tokenizer;

namespace LlmFramework.Tokenizers.Tests;

public sealed class TestVocabularyTests
{
    [Theory]
    [InlineData(259)]
    [InlineData(260)]
    [InlineData(300)]
    [InlineData(1000)]
    [InlineData(4096)]
    [InlineData(32000)]
    public void Create_makes_a_llama_style_vocabulary_of_the_requested_size(int size)
    {
        var v = TestVocabulary.Create(size);
        Assert.Equal("llama", v.Model);
        Assert.Equal(size, v.Tokens.Length);
        Assert.Equal(size, v.Scores!.Length);
        Assert.Equal(size, v.TokenTypes!.Length);
        Assert.Equal(["<unk>", "<s>", "</s>"], v.Tokens[..3]);
        Assert.Equal([2, 3, 3], v.TokenTypes[..3]);
        Assert.Equal("<0x0A>", v.Tokens[3 + 10]);
        Assert.All(Enumerable.Range(3, 256), i => Assert.Equal(6, v.TokenTypes[i]));
        Assert.All(Enumerable.Range(259, size - 259), i => Assert.Equal(1, v.TokenTypes[i]));
        Assert.Equal(size, v.Tokens.Distinct(StringComparer.Ordinal).Count());
        for (int i = 260; i < size; i++)
        {
            Assert.True(v.Scores[i] < v.Scores[i - 1]);
        }

        Assert.Equal(1, v.BosId);
        Assert.Equal(2, v.EosId);
        Assert.Equal(0, v.UnknownId);
        Assert.True(v.AddBos);
        Assert.Equal(v.Tokens, TestVocabulary.Create(size).Tokens);
    }

    [Theory]
    [InlineData(259)]
    [InlineData(300)]
    [InlineData(1000)]
    [InlineData(8000)]
    public void Gguf_and_tokenizer_json_forms_give_the_same_ids_as_each_other_and_hugging_face(int size)
    {
        var v = TestVocabulary.Create(size);
        string dir = Directory.CreateTempSubdirectory("llmfw-testvocab").FullName;
        try
        {
            string json = Path.Combine(dir, "tokenizer.json"), config = Path.Combine(dir, "tokenizer_config.json");
            File.WriteAllText(json, TestVocabulary.ToTokenizerJson(v));
            File.WriteAllText(config, TestVocabulary.ToTokenizerConfigJson(v));
            var fromGguf = TokenizerFactory.FromGgufVocabulary(v);
            var fromJson = TokenizerFactory.FromTokenizerJson(json, config);
            using var reference = new HfTokenizer(json);
            Assert.Equal(fromGguf.VocabSize, fromJson.VocabSize);
            foreach (string line in TestData.ParityLines(1000))
            {
                int[] a = fromGguf.Encode(line);
                int[] b = fromJson.Encode(line), hf = reference.Encode(line).Select(u => (int)u).ToArray();
                Assert.True(a.SequenceEqual(b), $"GGUF and tokenizer.json forms differ on {HuggingFaceParityTests.Show(line)}");
                Assert.True(a.SequenceEqual(hf), $"Hugging Face differs on {HuggingFaceParityTests.Show(line)}: {string.Join(",", hf)} vs ours {string.Join(",", a)}");
                if (size > 259)
                {
                    // With "▁" a piece, decoding gives the text back (SentencePiece turns a typed "▁" into a space).
                    int[] plain = fromGguf.Encode(line, addSpecialTokens: false, parseSpecialTokens: false);
                    Assert.Equal(line.Replace('\u2581', ' '), fromGguf.Decode(plain));
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Text_encodes_to_a_mix_of_words_letters_and_bytes()
    {
        var t = TokenizerFactory.FromGgufVocabulary(TestVocabulary.Create(1000));
        int[] ids = t.Encode("the cat sat on the mat with Emma, 你好", addSpecialTokens: false);
        Assert.Contains(ids, id => t.GetTokenText(id).Length >= 3);
        Assert.Contains(ids, id => t.GetTokenText(id).Length == 1);
        Assert.Contains(ids, id => id >= 3 && id < 259);
        Assert.Equal(t.TokenToId("\u2581the"), ids[0]);
    }

    [Fact]
    public void Config_json_names_the_special_tokens_and_a_llama2_template()
    {
        var v = TestVocabulary.Create(300);
        string dir = Directory.CreateTempSubdirectory("llmfw-testvocab").FullName;
        try
        {
            string config = Path.Combine(dir, "tokenizer_config.json");
            File.WriteAllText(config, TestVocabulary.ToTokenizerConfigJson(v));
            var c = TokenizerConfig.Load(config);
            Assert.Equal("<s>", c.BosToken);
            Assert.Equal("</s>", c.EosToken);
            Assert.True(c.AddBosToken);
            Assert.Equal(ChatTemplates.Llama2, c.ChatTemplate);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
