using LlmFramework.Abstractions.Tokenization;
using LlmFramework.Tokenizers;

namespace LlmFramework.Tokenizers.Checkpoints;

/// <summary>Turns a checkpoint's chat-template text into an <see cref="IChatTemplate"/>.</summary>
public static class ChatTemplateFactory
{
    /// <summary>
    /// The Jinja template for <paramref name="text"/> with the tokenizer's BOS/EOS texts, or null when the checkpoint has
    /// none. A template the renderer cannot parse does not stop the model from loading: rendering it then throws the
    /// parse error, naming <paramref name="source"/>.
    /// </summary>
    public static IChatTemplate? Create(string? text, ITokenizer tokenizer, string source)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        string? bos = tokenizer.BosId is int b ? tokenizer.GetTokenText(b) : null;
        string? eos = tokenizer.EosIds.Count > 0 ? tokenizer.GetTokenText(tokenizer.EosIds[0]) : null;
        try
        {
            return new JinjaChatTemplate(text, bos, eos);
        }
        catch (ChatTemplateException e)
        {
            return new UnusableChatTemplate($"{source}: the chat template could not be parsed: {e.Message}", e);
        }
    }

    private sealed class UnusableChatTemplate(string problem, Exception cause) : IChatTemplate
    {
        public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true) =>
            throw new NotSupportedException(problem, cause);
    }
}
