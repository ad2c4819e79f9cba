namespace LlmFramework.Tokenizers;

/// <summary>What a GGUF file's <c>tokenizer.ggml.*</c> metadata holds; the model plugin fills it from the file.</summary>
public sealed record GgufVocabulary
{
    /// <summary><c>tokenizer.ggml.model</c>: "llama" (SentencePiece) or "gpt2" (byte-level BPE).</summary>
    public required string Model { get; init; }

    /// <summary><c>tokenizer.ggml.pre</c>, e.g. "default", "llama3", "deepseek-v3".</summary>
    public string? Pre { get; init; }

    /// <summary><c>tokenizer.ggml.tokens</c>.</summary>
    public required string[] Tokens { get; init; }

    /// <summary><c>tokenizer.ggml.scores</c>.</summary>
    public float[]? Scores { get; init; }

    /// <summary><c>tokenizer.ggml.token_type</c>: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.</summary>
    public int[]? TokenTypes { get; init; }

    /// <summary><c>tokenizer.ggml.merges</c> ("a b" strings).</summary>
    public string[]? Merges { get; init; }

    /// <summary><c>tokenizer.ggml.bos_token_id</c>.</summary>
    public int? BosId { get; init; }

    /// <summary><c>tokenizer.ggml.eos_token_id</c>.</summary>
    public int? EosId { get; init; }

    /// <summary><c>tokenizer.ggml.eot_token_id</c> (end of turn; also ends generation).</summary>
    public int? EotId { get; init; }

    /// <summary><c>tokenizer.ggml.unknown_token_id</c>.</summary>
    public int? UnknownId { get; init; }

    /// <summary><c>tokenizer.ggml.padding_id</c>.</summary>
    public int? PaddingId { get; init; }

    /// <summary><c>tokenizer.ggml.add_bos_token</c>.</summary>
    public bool? AddBos { get; init; }

    /// <summary><c>tokenizer.ggml.add_eos_token</c>.</summary>
    public bool? AddEos { get; init; }

    /// <summary><c>tokenizer.ggml.add_space_prefix</c> (SentencePiece's dummy prefix; llama.cpp's default is true).</summary>
    public bool? AddSpacePrefix { get; init; }

    /// <summary><c>tokenizer.chat_template</c>.</summary>
    public string? ChatTemplate { get; init; }
}
