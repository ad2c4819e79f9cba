namespace LlmFramework.Abstractions.Tokenization;

/// <summary>Renders a chat into the prompt text a model was trained on.</summary>
public interface IChatTemplate
{
    /// <summary>
    /// Renders <paramref name="messages"/>; with <paramref name="addGenerationPrompt"/> the text ends where the
    /// assistant's reply starts.
    /// </summary>
    string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true);
}
