using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Host.Runtime;

/// <summary>How the chat verb and the server turn a chat into prompt tokens.</summary>
internal static class ChatPrompts
{
    /// <summary>The model's chat template, or the plain "User:/Assistant:" format when it has none.</summary>
    public static IChatTemplate TemplateOf(IModel model) => model.ChatTemplate ?? new PlainChatTemplate();

    /// <summary>Stop strings the template needs (the plain format's next-turn marker).</summary>
    public static IReadOnlyList<string> StopsOf(IChatTemplate template) => template is PlainChatTemplate ? [PlainChatTemplate.TurnStop] : [];

    /// <summary>Encodes a rendered chat: BOS is added unless the template already wrote it.</summary>
    public static int[] Encode(IModel model, string prompt)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompt);
        string bos = model.Tokenizer.BosId is int id ? model.Tokenizer.GetTokenText(id) : "\u0000";
        return model.Tokenizer.Encode(prompt, addSpecialTokens: !prompt.StartsWith(bos, StringComparison.Ordinal));
    }
}
