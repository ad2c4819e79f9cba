using System.Text.Json.Nodes;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers.Checkpoints;
using Xunit.Abstractions;
using HfTokenizer = global::Tokenizers.DotNet.Tokenizer;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>
/// DeepSeek-V3's tokenizer loaded from its model folder (Split regexes for digits, CJK and the rest, then ByteLevel;
/// 818 added tokens; BOS from tokenizer_config.json) against Hugging Face tokenizers through Tokenizers.DotNet.
/// </summary>
[Collection(HuggingFaceCollection.Name)]
public sealed class DeepSeekV3TokenizerTests(ITestOutputHelper output)
{
    private const int Bos = 0;
    private const int Eos = 1;

    private static readonly Lazy<ITokenizer> Ours = new(() => TokenizerFactory.FromFolder(TestData.DeepSeekFolder));

    public static TheoryData<string> Categories => new(DeepSeekV3Texts.ByCategory.Keys);

    [Fact]
    public void Folder_loads_the_byte_level_tokenizer_with_its_added_tokens_and_bos()
    {
        var t = Assert.IsType<ByteLevelBpeTokenizer>(Ours.Value);
        Assert.Equal(128815, t.VocabSize);
        Assert.Equal(Bos, t.BosId);
        Assert.Equal(Eos, t.EosIds[0]);
        Assert.True(t.AddsBos);
        Assert.Equal("<｜begin▁of▁sentence｜>", t.GetTokenText(Bos));
        Assert.Equal("<｜end▁of▁sentence｜>", t.GetTokenText(Eos));
        (string Text, int Id, bool Special)[] added =
        [
            ("<｜▁pad▁｜>", 2, true), ("<｜User｜>", 128803, false), ("<｜Assistant｜>", 128804, false), ("<|EOT|>", 128805, true),
            ("<｜tool▁calls▁begin｜>", 128806, false), ("<｜tool▁call▁begin｜>", 128808, false), ("<｜tool▁sep｜>", 128814, false),
            ("<｜fim▁hole｜>", 128800, false), ("<｜place▁holder▁no▁0｜>", 128000, true),
        ];
        foreach (var (text, id, special) in added)
        {
            Assert.Equal(id, t.TokenToId(text));
            Assert.Equal(special, t.IsSpecial(id));
            Assert.Equal([Bos, id], t.Encode(text));
        }

        // This vocabulary (V3, not R1) has no <think> tokens: they are ordinary text.
        Assert.Null(t.TokenToId("<think>"));
        Assert.True(t.Encode("<think>", addSpecialTokens: false).Length > 1);
    }

    [Fact]
    public void Checkpoint_loader_gives_the_same_tokenizer_and_the_chat_template()
    {
        var checkpoint = CheckpointTokenizerLoader.FromFolder(TestData.DeepSeekFolder);
        const string Text = "Hello, 世界! 12345 <｜User｜>";
        Assert.Equal(Ours.Value.Encode(Text), checkpoint.Tokenizer.Encode(Text));
        Assert.NotNull(checkpoint.ChatTemplate);
        string prompt = checkpoint.ChatTemplate!.Render([new("system", "Be brief."), new("user", "Hi")]);
        Assert.Equal("<｜begin▁of▁sentence｜>Be brief.<｜User｜>Hi<｜Assistant｜>", prompt);

        // A rendered prompt carries its BOS as text, so it is encoded without adding another (as transformers does).
        int[] ids = checkpoint.Tokenizer.Encode(prompt, addSpecialTokens: false);
        Assert.Equal(Bos, ids[0]);
        Assert.Equal(1, ids.Count(i => i == Bos));
        Assert.Equal(128803, ids[^3]);
        Assert.Equal(128804, ids[^1]);
        Assert.Equal(prompt, checkpoint.Tokenizer.Decode(ids));
    }

    [Fact]
    public void Rendered_chat_prompts_encode_as_hugging_face_encodes_them()
    {
        // transformers' apply_chat_template(tokenize=True) encodes the rendered text without adding special tokens.
        var template = CheckpointTokenizerLoader.FromFolder(TestData.DeepSeekFolder).ChatTemplate!;
        var r1 = new JinjaChatTemplate(DeepSeekV3ChatTemplateTests.R1Template(), "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
        ChatMessage[][] chats =
        [
            [new("system", "You are a helpful assistant."), new("user", "What is 2+2?")],
            [new("user", "Hi there"), new("assistant", "Hello! How can I help?"), new("user", "写一首关于秋天的诗。")],
            [new("user", "2+2?"), new("assistant", "<think>\nadd them\n</think>\n\n4"), new("user", "def f(x):\n\treturn x * 2\n")],
        ];
        using var reference = new HfTokenizer(TestData.DeepSeekTokenizerJson);
        foreach (string prompt in chats.SelectMany(c => new[] { template.Render(c), template.Render(c, false), r1.Render(c) }))
        {
            int[] expected = reference.Encode(prompt).Select(u => (int)u).ToArray();
            int[] actual = Ours.Value.Encode(prompt, addSpecialTokens: false);
            Assert.Equal(expected, actual);
            Assert.Equal(Bos, actual[0]);
            Assert.Equal(prompt, Ours.Value.Decode(actual));
        }
    }

    [Theory]
    [MemberData(nameof(Categories))]
    public void Ids_match_hugging_face_and_decoding_round_trips(string category)
    {
        using var reference = new HfTokenizer(TestData.DeepSeekTokenizerJson);
        var texts = DeepSeekV3Texts.ByCategory[category];
        int mismatches = 0;
        foreach (string text in texts)
        {
            // Hugging Face's tokenizer.json post-processor (ByteLevel) adds no BOS: compare without special tokens.
            int[] expected = reference.Encode(text).Select(u => (int)u).ToArray();
            int[] actual = Ours.Value.Encode(text, addSpecialTokens: false);
            if (!expected.SequenceEqual(actual))
            {
                mismatches++;
                output.WriteLine($"ids differ for {HuggingFaceParityTests.Show(text)}\n  hf:   {string.Join(",", expected)}\n  ours: {string.Join(",", actual)}");
                continue;
            }

            Assert.Equal(text, Ours.Value.Decode(actual));
            Assert.Equal(reference.Decode(expected.Select(i => (uint)i).ToArray()), Ours.Value.Decode(actual, skipSpecialTokens: true));
        }

        output.WriteLine($"{category}: {texts.Count} texts, {texts.Sum(t => t.Length)} chars");
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Bos_follows_add_special_tokens_as_hugging_face_does()
    {
        // transformers (LlamaTokenizerFast with add_bos_token: true) swaps the ByteLevel post-processor for a template
        // that prepends BOS; the Hugging Face reference gets the same post-processor written into its tokenizer.json.
        const string Template =
            """
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<｜begin▁of▁sentence｜>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": "<｜begin▁of▁sentence｜>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": "<｜begin▁of▁sentence｜>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {"<｜begin▁of▁sentence｜>": {"id": "<｜begin▁of▁sentence｜>", "ids": [0], "tokens": ["<｜begin▁of▁sentence｜>"]}}}
            """;
        TestData.WithEditedTokenizerJson(TestData.DeepSeekTokenizerJson, node => node["post_processor"] = JsonNode.Parse(Template), withBos =>
        {
            using var plainReference = new HfTokenizer(TestData.DeepSeekTokenizerJson);
            using var bosReference = new HfTokenizer(withBos);
            var jsonOnly = TokenizerFactory.FromTokenizerJson(TestData.DeepSeekTokenizerJson, null);
            var templated = TokenizerFactory.FromTokenizerJson(withBos, null);
            Assert.False(jsonOnly.AddsBos);
            Assert.True(templated.AddsBos);
            foreach (string text in new[] { "Hello world", "<｜begin▁of▁sentence｜>already there", string.Empty, "<｜User｜>Hi<｜Assistant｜>", " 中文 123" })
            {
                int[] plain = plainReference.Encode(text).Select(u => (int)u).ToArray();
                int[] bos = bosReference.Encode(text).Select(u => (int)u).ToArray();
                Assert.Equal([Bos, .. plain], bos);

                // The folder (add_bos_token: true in tokenizer_config.json) adds BOS exactly when asked for special tokens.
                Assert.Equal(bos, Ours.Value.Encode(text, addSpecialTokens: true));
                Assert.Equal(plain, Ours.Value.Encode(text, addSpecialTokens: false));

                // tokenizer.json alone: its post-processor decides, as in Hugging Face tokenizers.
                Assert.Equal(plain, jsonOnly.Encode(text, addSpecialTokens: true));
                Assert.Equal(bos, templated.Encode(text, addSpecialTokens: true));
                Assert.Equal(plain, templated.Encode(text, addSpecialTokens: false));
            }
        });
    }

    [Fact]
    public void Special_tokens_are_plain_text_when_not_parsed()
    {
        const string Text = "<｜begin▁of▁sentence｜>x<｜User｜>y";
        int[] parsed = Ours.Value.Encode(Text, addSpecialTokens: false, parseSpecialTokens: true);
        int[] unparsed = Ours.Value.Encode(Text, addSpecialTokens: false, parseSpecialTokens: false);
        Assert.Equal(Bos, parsed[0]);
        Assert.DoesNotContain(Bos, unparsed);

        // Non-special added tokens (the chat markers) are always matched, as Hugging Face matches them.
        Assert.Contains(128803, unparsed);
        Assert.Equal(Text, Ours.Value.Decode(unparsed));
    }
}
