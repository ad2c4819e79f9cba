using System.Text;
using LlmFramework.Formats.Gguf;
using LlmFramework.Tokenizers;

namespace LlmFramework.Models.Llama.TestModels;

/// <summary>
/// The vocabulary of test models (the Tokenizers library's <see cref="TestVocabulary"/>, a valid LLaMA-2-style
/// SentencePiece vocabulary): GGUF tokenizer.ggml.* metadata and the Hugging Face tokenizer files.
/// </summary>
internal static class TestVocabularyFiles
{
    public const int BosId = TestVocabulary.BosId;
    public const int EosId = TestVocabulary.EosId;

    /// <summary>Adds tokenizer.ggml.* with the types llama.cpp reads them as (uint32 ids, int32 types, bools).</summary>
    public static void AddToGguf(GgufWriter w, int vocabSize)
    {
        GgufVocabulary v = TestVocabulary.Create(vocabSize);
        w.AddString("tokenizer.ggml.model", v.Model);
        if (v.Pre is not null)
        {
            w.AddString("tokenizer.ggml.pre", v.Pre);
        }

        w.AddStringArray("tokenizer.ggml.tokens", v.Tokens);
        w.AddFloat32Array("tokenizer.ggml.scores", v.Scores ?? new float[v.Tokens.Length]);
        w.AddInt32Array("tokenizer.ggml.token_type", v.TokenTypes ?? Enumerable.Repeat(1, v.Tokens.Length).ToArray());
        AddId(w, "tokenizer.ggml.bos_token_id", v.BosId);
        AddId(w, "tokenizer.ggml.eos_token_id", v.EosId);
        AddId(w, "tokenizer.ggml.unknown_token_id", v.UnknownId);
        AddId(w, "tokenizer.ggml.padding_token_id", v.PaddingId);
        w.AddBool("tokenizer.ggml.add_bos_token", v.AddBos ?? true);
        w.AddBool("tokenizer.ggml.add_eos_token", v.AddEos ?? false);
        if (v.ChatTemplate is not null)
        {
            w.AddString("tokenizer.chat_template", v.ChatTemplate);
        }
    }

    /// <summary>Writes tokenizer.json and tokenizer_config.json for the same vocabulary.</summary>
    public static void WriteHuggingFaceFiles(string folder, int vocabSize)
    {
        GgufVocabulary v = TestVocabulary.Create(vocabSize);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), TestVocabulary.ToTokenizerJson(v), utf8);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), TestVocabulary.ToTokenizerConfigJson(v), utf8);
    }

    private static void AddId(GgufWriter w, string key, int? id)
    {
        if (id is int value)
        {
            w.AddUInt32(key, (uint)value);
        }
    }
}
