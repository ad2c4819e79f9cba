using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>Turns a checkpoint's chat-template text into an <see cref="IChatTemplate"/>.</summary>
internal static class ChatTemplateFactory
{
    /// <summary>The template for <paramref name="text"/>, or null when the checkpoint has none.</summary>
    public static IChatTemplate? Create(string? text, ITokenizer tokenizer)
    {
        _ = tokenizer;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // The Jinja renderer (src/Tokenizers JinjaChatTemplate) has not landed yet; until it does, models load without one.
        return null;
    }
}
