using System.Text;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Host.Runtime;

/// <summary>The chat format used for a model without a chat template: "System: / User: / Assistant:" lines.</summary>
internal sealed class PlainChatTemplate : IChatTemplate
{
    /// <summary>A stop string that ends the assistant's turn when the model starts writing the user's next one.</summary>
    public const string NextTurnStop = "\nUser:";

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
