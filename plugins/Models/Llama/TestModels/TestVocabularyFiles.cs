using LlmFramework.Formats.Gguf;

namespace LlmFramework.Models.Llama.TestModels;

/// <summary>The vocabulary of test models: GGUF tokenizer.ggml.* metadata and the Hugging Face tokenizer files.</summary>
internal static class TestVocabularyFiles
{
    public const int UnknownId = 0;
    public const int BosId = 1;
    public const int EosId = 2;

    /// <summary>A small chat template in the Jinja subset every template engine handles.</summary>
    public const string ChatTemplate =
        "{{ bos_token }}{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

    public static void AddToGguf(GgufWriter w, int vocabSize)
    {
        var tokens = new List<string> { "<unk>", "<s>", "</s>" };
        var types = new List<int> { 2, 3, 3 };
        for (int b = 0; b < 256; b++)
        {
            tokens.Add($"<0x{b:X2}>");
            types.Add(6);
        }

        while (tokens.Count < vocabSize)
        {
            tokens.Add($"\u2581t{tokens.Count}");
            types.Add(1);
        }

        var scores = new float[vocabSize];
        for (int i = 259; i < vocabSize; i++)
        {
            scores[i] = -(i - 259);
        }

        w.AddString("tokenizer.ggml.model", "llama");
        w.AddStringArray("tokenizer.ggml.tokens", tokens);
        w.AddFloat32Array("tokenizer.ggml.scores", scores);
        w.AddInt32Array("tokenizer.ggml.token_type", types.ToArray());
        w.AddUInt32("tokenizer.ggml.bos_token_id", BosId);
        w.AddUInt32("tokenizer.ggml.eos_token_id", EosId);
        w.AddUInt32("tokenizer.ggml.unknown_token_id", UnknownId);
        w.AddBool("tokenizer.ggml.add_bos_token", true);
        w.AddBool("tokenizer.ggml.add_eos_token", false);
        w.AddString("tokenizer.chat_template", ChatTemplate);
    }

    public static void WriteHuggingFaceFiles(string folder, int vocabSize)
    {
        _ = folder;
        _ = vocabSize;
    }
}
