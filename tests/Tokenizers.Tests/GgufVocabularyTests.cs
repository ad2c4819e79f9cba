using System.Text.Json;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>Tokenizers built from GGUF tokenizer.ggml.* metadata against the same vocabularies' tokenizer.json.</summary>
public sealed class GgufVocabularyTests
{
    [Fact]
    public void Gpt2_model_with_deepseek_v3_pre_matches_the_tokenizer_json()
    {
        var (tokens, types, merges) = ReadByteLevelVocabulary(TestData.DeepSeekTokenizerJson);
        var gguf = TokenizerFactory.FromGgufVocabulary(new GgufVocabulary
        {
            Model = "gpt2",
            Pre = "deepseek-v3",
            Tokens = tokens,
            TokenTypes = types,
            Merges = merges,
            BosId = 0,
            EosId = 1,
            AddBos = true,
        });
        var json = TokenizerFactory.FromTokenizerJson(TestData.DeepSeekTokenizerJson, TestData.DeepSeekTokenizerConfig);
        Assert.Equal(json.VocabSize, gguf.VocabSize);
        Assert.Equal(json.BosId, gguf.BosId);
        Assert.Equal(json.EosIds, gguf.EosIds);
        foreach (string line in TestData.ParityLines())
        {
            Assert.Equal(json.Encode(line), gguf.Encode(line));
            Assert.Equal(json.Encode(line, parseSpecialTokens: false), gguf.Encode(line, parseSpecialTokens: false));
        }
    }

    [Fact]
    public void Llama_model_merging_by_score_matches_merging_by_rank_on_mistral()
    {
        // A GGUF of Mistral keeps SentencePiece scores; the tokenizer.json keeps merges ranked by those scores.
        // Scores made from the ranks (the lower the rank of a piece's first merge, the higher its score) must
        // therefore give the same ids by llama.cpp's score-driven algorithm as by Hugging Face's rank-driven one.
        using var doc = JsonDocument.Parse(File.ReadAllText(TestData.File("mistral-7b.tokenizer.json")));
        var model = doc.RootElement.GetProperty("model");
        var vocab = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var tokens = new string[vocab.Count];
        foreach (var (text, id) in vocab)
        {
            tokens[id] = text;
        }

        var scores = Enumerable.Repeat(float.NegativeInfinity, tokens.Length).ToArray();
        int rank = 0;
        foreach (var m in model.GetProperty("merges").EnumerateArray())
        {
            string merged = m.GetString()!.Replace(" ", string.Empty, StringComparison.Ordinal);
            int id = vocab[merged];
            scores[id] = Math.Max(scores[id], -rank++);
        }

        var types = tokens.Select((t, i) => i == 0 ? 2 : i <= 2 ? 3 : t.StartsWith("<0x", StringComparison.Ordinal) && t.Length == 6 ? 6 : 1).ToArray();
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = float.IsNegativeInfinity(scores[i]) ? -1e9f : scores[i];
        }

        var gguf = TokenizerFactory.FromGgufVocabulary(new GgufVocabulary
        {
            Model = "llama",
            Tokens = tokens,
            Scores = scores,
            TokenTypes = types,
            BosId = 1,
            EosId = 2,
            UnknownId = 0,
        });
        var json = TokenizerFactory.FromTokenizerJson(TestData.File("mistral-7b.tokenizer.json"), TestData.File("mistral-7b.tokenizer_config.json"));
        int mismatches = 0;
        var failures = new List<string>();
        foreach (string line in TestData.ParityLines())
        {
            if (!json.Encode(line).SequenceEqual(gguf.Encode(line)))
            {
                mismatches++;
                failures.Add(HuggingFaceParityTests.Show(line));
            }
        }

        Assert.True(mismatches == 0, $"{mismatches} lines differ, e.g. {string.Join("; ", failures.Take(3))}");
    }

    [Fact]
    public void Llama_model_from_test_vocabulary_parses_control_and_unknown_tokens_only_when_asked()
    {
        var t = TokenizerFactory.FromGgufVocabulary(TestVocabulary.Create(1000));
        Assert.Equal([1, 1, 2], t.Encode("<s></s>")[..3]);
        Assert.Equal([0], t.Encode("<unk>", addSpecialTokens: false));
        int[] plain = t.Encode("<s>", addSpecialTokens: false, parseSpecialTokens: false);
        Assert.DoesNotContain(1, plain);
        Assert.Equal("<s>", t.Decode(plain));
        Assert.Equal("a </s>", t.Decode(t.Encode("a </s>")[1..]));
        Assert.Equal("a ", t.Decode(t.Encode("a </s>"), skipSpecialTokens: true));
    }

    [Fact]
    public void Unsupported_models_and_pre_tokenizers_are_refused_clearly()
    {
        var v = TestVocabulary.Create(300);
        var e1 = Assert.Throws<NotSupportedException>(() => TokenizerFactory.FromGgufVocabulary(v with { Model = "bert" }));
        Assert.Contains("bert", e1.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<NotSupportedException>(() => TokenizerFactory.FromGgufVocabulary(v with { Model = "gpt2", Pre = "qwen9", Merges = [] }));
        Assert.Contains("qwen9", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconsistent_vocabularies_name_the_field()
    {
        var v = TestVocabulary.Create(300);
        Assert.Contains("tokenizer.ggml.scores", Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromGgufVocabulary(v with { Scores = new float[3] })).Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.ggml.token_type", Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromGgufVocabulary(v with { TokenTypes = new int[3] })).Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.ggml.bos_token_id", Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromGgufVocabulary(v with { BosId = 300 })).Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.ggml.tokens", Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromGgufVocabulary(v with { Tokens = [], Scores = null, TokenTypes = null })).Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.ggml.merges", Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromGgufVocabulary(v with { Model = "gpt2" })).Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.ggml.merges[0]", Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromGgufVocabulary(v with { Model = "gpt2", Merges = ["nospace"] })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void End_of_turn_tokens_end_generation_too()
    {
        var v = TestVocabulary.Create(300);
        var tokens = v.Tokens.ToArray();
        var types = v.TokenTypes!.ToArray();
        tokens[299] = "<|eot_id|>";
        types[299] = 3;
        Assert.Equal([2, 299], TokenizerFactory.FromGgufVocabulary(v with { Tokens = tokens, TokenTypes = types }).EosIds);
        Assert.Equal([2, 298], TokenizerFactory.FromGgufVocabulary(v with { EotId = 298 }).EosIds);
        Assert.Equal([2], TokenizerFactory.FromGgufVocabulary(v).EosIds);
    }

    [Fact]
    public void Add_space_prefix_false_drops_the_dummy_prefix()
    {
        var v = TestVocabulary.Create(1000);
        var with = TokenizerFactory.FromGgufVocabulary(v);
        var without = TokenizerFactory.FromGgufVocabulary(v with { AddSpacePrefix = false });
        Assert.Equal(with.TokenToId("\u2581the"), with.Encode("the", addSpecialTokens: false)[0]);
        Assert.Equal(with.TokenToId("t"), without.Encode("the", addSpecialTokens: false)[0]);
        Assert.False(without.StripsLeadingSpace);
        Assert.Equal(" the", without.Decode(without.Encode(" the", addSpecialTokens: false)));
    }

    internal static (string[] Tokens, int[] Types, string[] Merges) ReadByteLevelVocabulary(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var model = doc.RootElement.GetProperty("model");
        var byId = new SortedDictionary<int, (string Text, int Type)>();
        foreach (var p in model.GetProperty("vocab").EnumerateObject())
        {
            byId[p.Value.GetInt32()] = (p.Name, 1);
        }

        foreach (var a in doc.RootElement.GetProperty("added_tokens").EnumerateArray())
        {
            byId[a.GetProperty("id").GetInt32()] = (a.GetProperty("content").GetString()!, a.GetProperty("special").GetBoolean() ? 3 : 4);
        }

        int n = byId.Keys.Max() + 1;
        var tokens = new string[n];
        var types = new int[n];
        for (int i = 0; i < n; i++)
        {
            (tokens[i], types[i]) = byId.TryGetValue(i, out var t) ? t : ($"[PAD{i}]", 5);
        }

        var merges = model.GetProperty("merges").EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : m[0].GetString() + " " + m[1].GetString()).ToArray();
        return (tokens, types, merges);
    }
}
