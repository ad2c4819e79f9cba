using System.Text.Json;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Training.Data;

/// <summary>
/// Chat fine-tuning data: a JSONL file, one conversation per line as <c>{"messages": [{"role": "user", "content": ".."},
/// {"role": "assistant", "content": ".."}]}</c>. Each conversation is rendered with the model's chat template and only
/// the assistant's tokens are scored (the usual supervised fine-tuning loss).
/// </summary>
public static class ChatExamples
{
    /// <summary>Reads and tokenises <paramref name="path"/>; sequences longer than <paramref name="maxTokens"/> are cut.</summary>
    public static IReadOnlyList<ScoredSequence> Load(string path, ITokenizer tokenizer, IChatTemplate template, int maxTokens)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"--chat '{path}' does not exist");
        }

        var examples = new List<ScoredSequence>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            List<ChatMessage> messages = Parse(line, path, lineNumber);
            examples.Add(Tokenize(messages, tokenizer, template, maxTokens, $"{path}:{lineNumber}"));
        }

        if (examples.Count == 0)
        {
            throw new ArgumentException($"{path}: no conversations");
        }

        return examples;
    }

    private static List<ChatMessage> Parse(string line, string path, int lineNumber)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            if (!doc.RootElement.TryGetProperty("messages", out JsonElement array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new ArgumentException($"{path}:{lineNumber}: expected an object with a \"messages\" array");
            }

            var messages = new List<ChatMessage>();
            foreach (JsonElement m in array.EnumerateArray())
            {
                string? role = m.TryGetProperty("role", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                string? content = m.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                if (role is not ("system" or "user" or "assistant") || content is null)
                {
                    throw new ArgumentException($"{path}:{lineNumber}: message {messages.Count} needs a \"role\" (system, user or assistant) and a string \"content\"");
                }

                messages.Add(new ChatMessage(role, content));
            }

            if (!messages.Any(m => m.Role == "assistant"))
            {
                throw new ArgumentException($"{path}:{lineNumber}: the conversation has no assistant message to learn from");
            }

            return messages;
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{path}:{lineNumber}: not valid JSON ({ex.Message})", ex);
        }
    }

    /// <summary>Tokenises a conversation, marking the tokens of each assistant message (and the end-of-turn after it) as scored.</summary>
    internal static ScoredSequence Tokenize(IReadOnlyList<ChatMessage> messages, ITokenizer tokenizer, IChatTemplate template, int maxTokens, string where)
    {
        int[] all = tokenizer.Encode(template.Render(messages, addGenerationPrompt: false), addSpecialTokens: false);
        var scored = new bool[all.Length];
        for (int i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role != "assistant")
            {
                continue;
            }

            int[] before = tokenizer.Encode(template.Render([.. messages.Take(i)], addGenerationPrompt: true), addSpecialTokens: false);
            int[] through = tokenizer.Encode(template.Render([.. messages.Take(i + 1)], addGenerationPrompt: false), addSpecialTokens: false);
            if (!all.AsSpan().StartsWith(through) || !through.AsSpan().StartsWith(before))
            {
                throw new ArgumentException($"{where}: the chat template does not render this conversation incrementally (a prefix of the chat does not tokenise to a prefix of the whole), so the assistant's tokens cannot be found");
            }

            for (int t = Math.Max(1, before.Length); t < through.Length; t++)
            {
                scored[t] = true;
            }
        }

        int length = Math.Min(all.Length, maxTokens);
        return new ScoredSequence(all[..length], scored[..length]);
    }
}
