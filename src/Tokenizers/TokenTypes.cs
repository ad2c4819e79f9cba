namespace LlmFramework.Tokenizers;

/// <summary>Token types as SentencePiece and GGUF number them.</summary>
internal static class TokenTypes
{
    public const int Normal = 1;
    public const int Unknown = 2;
    public const int Control = 3;
    public const int UserDefined = 4;
    public const int Unused = 5;
    public const int Byte = 6;
}
