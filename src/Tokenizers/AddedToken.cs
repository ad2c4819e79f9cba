namespace LlmFramework.Tokenizers;

/// <summary>A token matched in raw text before the model sees it (special tokens, user-defined pieces).</summary>
internal sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false, bool SingleWord = false);
