namespace LlmFramework.Tokenizers.PreTokenization;

/// <summary>The pre-tokenizer regexes of the byte-level BPE families, as Hugging Face and llama.cpp use them.</summary>
internal static class PreTokenizerPatterns
{
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public const string Llama3 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>Hugging Face's "Whitespace" pre-tokenizer keeps these matches and drops what lies between.</summary>
    public const string Whitespace = @"\w+|[^\w\s]+";

    public const string DeepSeekV3Digits = @"\p{N}{1,3}";

    public const string DeepSeekV3Cjk = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";

    public const string DeepSeekV3Main = @"[!""#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The pre-tokenizers llama.cpp uses for a GGUF "gpt2" vocabulary with tokenizer.ggml.pre = <paramref name="pre"/>.</summary>
    public static IReadOnlyList<PreTokenizerStep> ForGgufPre(string? pre) => pre switch
    {
        null or "default" or "gpt2" or "gpt-2" => [new RegexSplitStep(Gpt2, SplitBehavior.Isolated, false)],
        "llama3" or "llama-bpe" or "llama-v3" => [new RegexSplitStep(Llama3, SplitBehavior.Isolated, false)],
        "deepseek-v3" =>
        [
            new RegexSplitStep(DeepSeekV3Digits, SplitBehavior.Isolated, false),
            new RegexSplitStep(DeepSeekV3Cjk, SplitBehavior.Isolated, false),
            new RegexSplitStep(DeepSeekV3Main, SplitBehavior.Isolated, false),
        ],
        _ => throw new NotSupportedException($"tokenizer.ggml.pre '{pre}' is not supported (supported: default, gpt2, llama3, llama-bpe, deepseek-v3)"),
    };
}
