using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>Turns Microsoft.Extensions.AI chat messages into the (role, text) pairs that the engine and the wire formats carry.</summary>
internal static class ChatMessageText
{
    /// <summary>The role and text of every message; throws naming the message when it holds content other than text.</summary>
    public static List<(string Role, string Text)> Flatten(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var result = new List<(string Role, string Text)>();
        int index = 0;
        foreach (ChatMessage message in messages)
        {
            if (message is null)
            {
                throw new ArgumentException($"messages[{index}] is null");
            }

            AIContent? other = message.Contents.FirstOrDefault(c => c is not TextContent and not TextReasoningContent and not UsageContent);
            if (other is not null)
            {
                throw new NotSupportedException($"messages[{index}] holds {other.GetType().Name}; LlmFramework models take text only (no images, files or tool calls)");
            }

            result.Add((RoleName(message.Role), message.Text));
            index++;
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("messages is empty: at least one message is needed");
        }

        return result;
    }

    private static string RoleName(ChatRole role) =>
        role == ChatRole.System ? "system" : role == ChatRole.Assistant ? "assistant" : role == ChatRole.Tool ? "tool" : "user";
}
