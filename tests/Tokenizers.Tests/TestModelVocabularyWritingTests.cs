using LlmFramework.Formats.Gguf;

namespace LlmFramework.Tokenizers.Tests;

public sealed class TestModelVocabularyWritingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmf-vocab-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_gguf_metadata_holds_the_vocabulary_in_the_types_llama_cpp_reads()
    {
        GgufVocabulary v = TestVocabulary.Create(300);
        var writer = new GgufWriter();
        GgufVocabularyMetadata.AddTo(writer, v);
        string path = Path.Combine(_dir, "v.gguf");
        writer.WriteTo(path);

        using GgufFile file = GgufFile.Open(path);
        Assert.Equal("llama", file.GetString("tokenizer.ggml.model"));
        Assert.Equal(v.Tokens, (string[])file.Metadata["tokenizer.ggml.tokens"].Value);
        Assert.Equal(GgufValueType.Int32, file.Metadata["tokenizer.ggml.token_type"].ElementType);
        Assert.Equal(GgufValueType.UInt32, file.Metadata["tokenizer.ggml.bos_token_id"].Type);
        Assert.Equal(TestVocabulary.EosId, file.GetInt32("tokenizer.ggml.eos_token_id"));
        Assert.True(file.GetBool("tokenizer.ggml.add_bos_token", false));
        Assert.Equal(v.ChatTemplate, file.GetString("tokenizer.chat_template"));
    }

    [Fact]
    public void The_hugging_face_files_are_the_tokenizer_its_config_and_a_generation_config_with_its_ids()
    {
        TestVocabularyFiles.WriteHuggingFaceFiles(_dir, 300);

        Assert.Equal(TestVocabulary.ToTokenizerJson(TestVocabulary.Create(300)), File.ReadAllText(Path.Combine(_dir, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(_dir, "tokenizer_config.json")));
        string generation = File.ReadAllText(Path.Combine(_dir, "generation_config.json"));
        Assert.Contains("\"bos_token_id\": 1", generation, StringComparison.Ordinal);
        Assert.Contains("\"eos_token_id\": 2", generation, StringComparison.Ordinal);
    }
}
