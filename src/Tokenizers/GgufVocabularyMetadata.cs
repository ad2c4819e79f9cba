using LlmFramework.Formats.Gguf;

namespace LlmFramework.Tokenizers;

/// <summary>Writes a <see cref="GgufVocabulary"/> as the tokenizer.ggml.* metadata of a GGUF file, for every family's GGUF writer.</summary>
public static class GgufVocabularyMetadata
{
    /// <summary>Adds tokenizer.ggml.* with the types llama.cpp reads them as (uint32 ids, int32 types, bools).</summary>
    public static void AddTo(GgufWriter w, GgufVocabulary v)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(v);
        w.AddString("tokenizer.ggml.model", v.Model);
        if (v.Pre is not null)
        {
            w.AddString("tokenizer.ggml.pre", v.Pre);
        }

        w.AddStringArray("tokenizer.ggml.tokens", v.Tokens);
        w.AddFloat32Array("tokenizer.ggml.scores", v.Scores ?? new float[v.Tokens.Length]);
        w.AddInt32Array("tokenizer.ggml.token_type", v.TokenTypes ?? Enumerable.Repeat(1, v.Tokens.Length).ToArray());
        if (v.Merges is not null)
        {
            w.AddStringArray("tokenizer.ggml.merges", v.Merges);
        }

        AddId(w, "tokenizer.ggml.bos_token_id", v.BosId);
        AddId(w, "tokenizer.ggml.eos_token_id", v.EosId);
        AddId(w, "tokenizer.ggml.unknown_token_id", v.UnknownId);
        AddId(w, "tokenizer.ggml.padding_token_id", v.PaddingId);
        w.AddBool("tokenizer.ggml.add_bos_token", v.AddBos ?? true);
        w.AddBool("tokenizer.ggml.add_eos_token", v.AddEos ?? false);
        if (v.AddSpacePrefix is bool prefix)
        {
            w.AddBool("tokenizer.ggml.add_space_prefix", prefix);
        }

        if (v.ChatTemplate is not null)
        {
            w.AddString("tokenizer.chat_template", v.ChatTemplate);
        }
    }

    private static void AddId(GgufWriter w, string key, int? id)
    {
        if (id is int value)
        {
            w.AddUInt32(key, (uint)value);
        }
    }
}
