namespace LlmFramework.Tokenizers;

/// <summary>A piece of the input: either plain text (<see cref="TokenId"/> -1) or one added token.</summary>
internal readonly record struct TextSegment(int Start, int Length, int TokenId);
