using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Formats.Gguf;
using LlmFramework.Tokenizers;

namespace LlmFramework.Tokenizers.Checkpoints;

/// <summary>Builds the tokenizer and chat template of a checkpoint with the Tokenizers library.</summary>
public static class CheckpointTokenizerLoader
{
    /// <summary>tokenizer.ggml.* -> <see cref="GgufVocabulary"/> -> tokenizer; tokenizer.chat_template -> chat template.</summary>
    public static CheckpointTokenizer FromGguf(GgufFile file)
    {
        GgufVocabulary vocabulary = ReadVocabulary(file);
        ITokenizer tokenizer;
        try
        {
            tokenizer = TokenizerFactory.FromGgufVocabulary(vocabulary);
        }
        catch (ModelLoadException e)
        {
            throw new ModelLoadException(file.Path, e.Problem ?? e.Message, e);
        }

        // End-of-turn / end-of-message tokens stop generation too (llama.cpp treats them as end of generation).
        var eos = new List<int>();
        foreach (string key in new[] { "tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id" })
        {
            if (file.TryGetInteger(key, out long id) && id >= 0 && id < tokenizer.VocabSize && !tokenizer.EosIds.Contains((int)id) && !eos.Contains((int)id))
            {
                eos.Add((int)id);
            }
        }

        return new CheckpointTokenizer(tokenizer, ChatTemplateFactory.Create(vocabulary.ChatTemplate, tokenizer, $"{file.Path} (tokenizer.chat_template)"), new GenerationDefaults { EosIds = eos });
    }

    /// <summary>The tokenizer.ggml.* metadata of <paramref name="file"/>.</summary>
    public static GgufVocabulary ReadVocabulary(GgufFile file)
    {
        if (!file.TryGetString("tokenizer.ggml.model", out string model))
        {
            throw new ModelLoadException(file.Path, "metadata has no tokenizer (tokenizer.ggml.model is missing)");
        }

        return new GgufVocabulary
        {
            Model = model,
            Pre = file.TryGetString("tokenizer.ggml.pre", out string pre) ? pre : null,
            Tokens = file.GetStringArray("tokenizer.ggml.tokens"),
            Scores = file.ContainsKey("tokenizer.ggml.scores") ? file.GetFloatArray("tokenizer.ggml.scores") : null,
            TokenTypes = file.ContainsKey("tokenizer.ggml.token_type") ? file.GetIntArray("tokenizer.ggml.token_type") : null,
            Merges = file.ContainsKey("tokenizer.ggml.merges") ? file.GetStringArray("tokenizer.ggml.merges") : null,
            BosId = OptionalId(file, "tokenizer.ggml.bos_token_id"),
            EosId = OptionalId(file, "tokenizer.ggml.eos_token_id"),
            UnknownId = OptionalId(file, "tokenizer.ggml.unknown_token_id"),
            PaddingId = OptionalId(file, "tokenizer.ggml.padding_token_id"),
            AddBos = file.ContainsKey("tokenizer.ggml.add_bos_token") ? file.GetBool("tokenizer.ggml.add_bos_token", true) : null,
            AddEos = file.ContainsKey("tokenizer.ggml.add_eos_token") ? file.GetBool("tokenizer.ggml.add_eos_token", false) : null,
            AddSpacePrefix = file.ContainsKey("tokenizer.ggml.add_space_prefix") ? file.GetBool("tokenizer.ggml.add_space_prefix", true) : null,
            ChatTemplate = file.TryGetString("tokenizer.chat_template", out string template) ? template : null,
        };
    }

    /// <summary>tokenizer.json (else tokenizer.model) with tokenizer_config.json, and its chat_template.</summary>
    public static CheckpointTokenizer FromFolder(string folder)
    {
        string configPath = Path.Combine(folder, "tokenizer_config.json");
        ITokenizer tokenizer = TokenizerFactory.FromFolder(folder);
        string? template = File.Exists(configPath) ? TokenizerConfig.Load(configPath).ChatTemplate : null;
        return new CheckpointTokenizer(tokenizer, ChatTemplateFactory.Create(template, tokenizer, configPath), new GenerationDefaults());
    }

    private static int? OptionalId(GgufFile file, string key) =>
        file.TryGetInteger(key, out long v) && v is >= 0 and <= int.MaxValue ? (int)v : null;
}
