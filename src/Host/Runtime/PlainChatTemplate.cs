using System.Text;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Host.Runtime;

/// <summary>
/// The chat format used for a model whose checkpoint has no chat template: one "System: ", "User: ", "Assistant: " or
/// "Tool: " line per message, ending with "Assistant:" when a reply is wanted. Generation should stop at
/// <see cref="TurnStop"/>, where the model starts writing the user's next turn.
/// </summary>
public sealed class PlainChatTemplate : IChatTemplate
{
    /// <summary>The stop string that ends the assistant's turn in this format.</summary>
    public const string TurnStop = "\nUser:";

    /// <inheritdoc />
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder();
        foreach (ChatMessage m in messages)
        {
            sb.Append(m.Role switch { "system" => "System: ", "assistant" => "Assistant: ", "tool" => "Tool: ", _ => "User: " }).Append(m.Content).Append('\n');
        }

        if (addGenerationPrompt)
        {
            sb.Append("Assistant:");
        }

        return sb.ToString();
    }
}
