using System.Text;
using LlmFramework.Formats.Json;

namespace LlmFramework.Tokenizers;

/// <summary>
/// The Hugging Face files of a test model's vocabulary (<see cref="TestVocabulary"/>), shared by every family's
/// make-test-model writer; the GGUF form is <see cref="GgufVocabularyMetadata"/> of <see cref="TestVocabulary.Create"/>.
/// </summary>
public static class TestVocabularyFiles
{
    /// <summary>
    /// Writes tokenizer.json and tokenizer_config.json for the vocabulary of <paramref name="vocabSize"/> entries, and
    /// generation_config.json with its bos/eos ids and sampling defaults.
    /// </summary>
    public static void WriteHuggingFaceFiles(string folder, int vocabSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        GgufVocabulary v = TestVocabulary.Create(vocabSize);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TestVocabulary.ToTokenizerJson(v), utf8);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), TestVocabulary.ToTokenizerConfigJson(v), utf8);
        JsonFileWriter.WriteObject(Path.Combine(folder, "generation_config.json"), j =>
        {
            j.WriteNumber("bos_token_id", TestVocabulary.BosId);
            j.WriteNumber("eos_token_id", TestVocabulary.EosId);
            j.WriteBoolean("do_sample", true);
            j.WriteNumber("temperature", 0.7);
            j.WriteNumber("top_p", 0.9);
            j.WriteNumber("top_k", 40);
            j.WriteNumber("repetition_penalty", 1.1);
        });
    }
}
