using System.Text;
using LlmFramework.Tokenizers;

namespace LlmFramework.Models.Llama.TestModels;

/// <summary>
/// The vocabulary of test models (the Tokenizers library's <see cref="TestVocabulary"/>, a valid LLaMA-2-style
/// SentencePiece vocabulary): the Hugging Face tokenizer files (the GGUF form is written by LlamaGgufWriter).
/// </summary>
internal static class TestVocabularyFiles
{
    public const int BosId = TestVocabulary.BosId;
    public const int EosId = TestVocabulary.EosId;

    /// <summary>Writes tokenizer.json and tokenizer_config.json for the same vocabulary.</summary>
    public static void WriteHuggingFaceFiles(string folder, int vocabSize)
    {
        GgufVocabulary v = TestVocabulary.Create(vocabSize);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TestVocabulary.ToTokenizerJson(v), utf8);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), TestVocabulary.ToTokenizerConfigJson(v), utf8);
    }
}
