using System.Globalization;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Formats.Gguf;
using LlmFramework.Models.Llama.Tests.Support;
using Xunit.Abstractions;

namespace LlmFramework.Models.Llama.Tests.Export;

/// <summary>
/// The repository's trained default model (models/default, read only) exported as GGUF keeps what the folder gives:
/// logits, token ids, the chat template, BOS/EOS. The GGUF is written once per class into a temporary folder.
/// </summary>
public sealed class DefaultModelExportTests(DefaultModelExportTests.Exported exported, ITestOutputHelper output) : IClassFixture<DefaultModelExportTests.Exported>
{
    public static TheoryData<string> Texts() =>
    [
        "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
        " leading space and  two  spaces",
        "line one\nline two\n\n\ttabbed",
        "Numbers 1234567890 and 3.14159, punctuation!?;:'\"()[]{}",
        "Café, naïve, façade — “quoted” … ",
        "日本語のテキストと emoji 🎉🐍",
        "<s> literal special text </s> and <unk>",
        "",
        "   ",
    ];

    [Fact]
    public void The_exported_f16_gguf_gives_the_folder_s_logits()
    {
        string text = "The old house stood at the end of the lane, and nobody had lived there for";
        using IModel hf = new LlamaFamily().Load(ModelSource.Open(DefaultModelFolder.DefaultModel), new ModelLoadOptions());
        int[] prompt = hf.Tokenizer.Encode(text);
        float[] expected = EngineLogits.Of(DefaultModelFolder.DefaultModel, prompt), actual = EngineLogits.Of(exported.F16, prompt);
        double diff = EngineLogits.MaxDiff(expected, actual);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"default model F16 export: max |diff| {diff:G3} (logit std {ReferenceForward.StandardDeviation(expected):G3})"));
        Assert.True(diff < 1e-3, $"max |diff| {diff}");
    }

    [Fact]
    public void The_exported_q8_0_gguf_keeps_ffn_down_in_f16_when_its_rows_do_not_fit_and_stays_close()
    {
        // intermediate_size 688 (when this was written) is not a multiple of 32, so ffn_down cannot be Q8_0.
        int layers = (int)DefaultModelFolder.Config["num_hidden_layers"]!, ffn = (int)DefaultModelFolder.Config["intermediate_size"]!;
        string[] fallbacks = ffn % 32 == 0 ? [] : [.. Enumerable.Range(0, layers).Select(l => $"blk.{l}.ffn_down.weight")];
        Assert.Equal(fallbacks, exported.Q8Fallbacks);
        using (GgufFile file = GgufFile.Open(exported.Q8))
        {
            Assert.Equal(ffn % 32 == 0 ? DType.Q8_0 : DType.F16, file.GetTensor($"blk.{layers - 1}.ffn_down.weight").Type);
            Assert.Equal(DType.Q8_0, file.GetTensor($"blk.{layers - 1}.ffn_gate.weight").Type);
            Assert.Equal(DType.Q8_0, file.GetTensor("token_embd.weight").Type);
        }

        using IModel hf = new LlamaFamily().Load(ModelSource.Open(DefaultModelFolder.DefaultModel), new ModelLoadOptions());
        int[] prompt = hf.Tokenizer.Encode("She opened the door and looked out at the");
        float[] expected = EngineLogits.Of(DefaultModelFolder.DefaultModel, prompt), actual = EngineLogits.Of(exported.Q8, prompt);
        double diff = EngineLogits.MaxDiff(expected, actual);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"default model Q8_0 export: max |diff| {diff:G3} (logit std {ReferenceForward.StandardDeviation(expected):G3})"));
        Assert.True(diff < 0.1 * ReferenceForward.StandardDeviation(expected), $"max |diff| {diff}");
        Assert.Equal(Array.IndexOf(expected, expected.Max()), Array.IndexOf(actual, actual.Max()));
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void The_exported_gguf_tokenizes_and_decodes_like_the_folder(string text)
    {
        ITokenizer hf = exported.Folder.Tokenizer, gguf = exported.Gguf.Tokenizer;
        int[] ids = hf.Encode(text);
        Assert.Equal(ids, gguf.Encode(text));
        Assert.Equal(hf.Encode(text, addSpecialTokens: false, parseSpecialTokens: false), gguf.Encode(text, addSpecialTokens: false, parseSpecialTokens: false));
        Assert.Equal(hf.Decode(ids), gguf.Decode(ids));
        Assert.Equal(hf.Decode(ids, skipSpecialTokens: true), gguf.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void The_exported_gguf_has_the_folder_s_vocabulary_specials_and_bos_eos()
    {
        ITokenizer hf = exported.Folder.Tokenizer, gguf = exported.Gguf.Tokenizer;
        Assert.Equal(DefaultModelFolder.VocabSize, gguf.VocabSize);
        Assert.Equal((hf.VocabSize, hf.BosId, hf.AddsBos, hf.StripsLeadingSpace), (gguf.VocabSize, gguf.BosId, gguf.AddsBos, gguf.StripsLeadingSpace));
        Assert.Equal(1, gguf.BosId);
        Assert.Equal(hf.EosIds, gguf.EosIds);
        Assert.Contains(2, gguf.EosIds);
        Assert.All(Enumerable.Range(0, hf.VocabSize), id =>
        {
            Assert.Equal(hf.GetTokenText(id), gguf.GetTokenText(id));
            Assert.Equal(hf.IsSpecial(id), gguf.IsSpecial(id));
        });
        using GgufFile file = GgufFile.Open(exported.F16);
        Assert.Equal(1, file.GetInteger("tokenizer.ggml.bos_token_id"));
        Assert.Equal(2, file.GetInteger("tokenizer.ggml.eos_token_id"));
        Assert.Equal(0, file.GetInteger("tokenizer.ggml.unknown_token_id"));
        Assert.True(file.GetBool("tokenizer.ggml.add_bos_token", false));
        Assert.False(file.GetBool("tokenizer.ggml.add_eos_token", true));
    }

    [Fact]
    public void The_exported_gguf_has_the_folder_s_chat_template()
    {
        Assert.NotNull(exported.Folder.ChatTemplate);
        Assert.NotNull(exported.Gguf.ChatTemplate);
        ChatMessage[] chat = [new("system", "Be brief."), new("user", "Hello there."), new("assistant", "Hello."), new("user", "Tell me a story.")];
        foreach (bool generationPrompt in new[] { true, false })
        {
            Assert.Equal(exported.Folder.ChatTemplate.Render(chat, generationPrompt), exported.Gguf.ChatTemplate.Render(chat, generationPrompt));
        }

        using GgufFile file = GgufFile.Open(exported.F16);
        Assert.Equal(Tokenizers.TokenizerConfig.Load(Path.Combine(DefaultModelFolder.DefaultModel, "tokenizer_config.json")).ChatTemplate, file.GetString("tokenizer.chat_template"));
    }

    [Fact]
    public void The_exported_gguf_carries_the_folder_s_hyperparameters()
    {
        using IModel hf = new LlamaFamily().Load(ModelSource.Open(DefaultModelFolder.DefaultModel), new ModelLoadOptions());
        Assert.Equal(hf.Info.ContextLength, exported.Gguf.Info.ContextLength);
        Assert.Equal(hf.Info.ParameterCount, exported.Gguf.Info.ParameterCount);
        static string Shape(ModelInfo info) => info.Description.Split("; ")[0].Split(": ")[1]; // "LlamaForCausalLM: dim 256, ..." / "llama: dim 256, ..."
        Assert.Equal(Shape(hf.Info), Shape(exported.Gguf.Info));
        using GgufFile file = GgufFile.Open(exported.F16);
        Assert.Equal("default", file.GetString("general.name"));
        Assert.Equal(1, file.GetInteger("general.file_type"));
        Assert.Equal((float)DefaultModelFolder.Config["rope_theta"]!, file.GetFloat("llama.rope.freq_base"));
        Assert.Equal((float)DefaultModelFolder.Config["rms_norm_eps"]!, file.GetFloat("llama.attention.layer_norm_rms_epsilon"));
        Assert.Equal((int)DefaultModelFolder.Config["max_position_embeddings"]!, file.GetInteger("llama.context_length"));
        Assert.Equal(!(bool)DefaultModelFolder.Config["tie_word_embeddings"]!, file.ContainsTensor("output.weight"));
    }

    /// <summary>models/default exported as F16 and Q8_0 into a temporary folder, with the folder and the F16 GGUF loaded.</summary>
    public sealed class Exported : IDisposable
    {
        private readonly TempFolder _folder = new();

        public Exported()
        {
            F16 = _folder.File("default-f16.gguf");
            Q8 = _folder.File("default-q8_0.gguf");
            var family = new LlamaFamily();
            Assert.Empty(family.ExportGguf(ModelSource.Open(DefaultModelFolder.DefaultModel), DType.F16, F16));
            Q8Fallbacks = family.ExportGguf(ModelSource.Open(DefaultModelFolder.DefaultModel), DType.Q8_0, Q8);
            Folder = family.Load(ModelSource.Open(DefaultModelFolder.DefaultModel), new ModelLoadOptions());
            Gguf = family.Load(ModelSource.Open(F16), new ModelLoadOptions());
        }

        public string F16 { get; }

        public string Q8 { get; }

        public IReadOnlyList<string> Q8Fallbacks { get; }

        public IModel Folder { get; }

        public IModel Gguf { get; }

        public void Dispose()
        {
            Folder.Dispose();
            Gguf.Dispose();
            _folder.Dispose();
        }
    }
}
