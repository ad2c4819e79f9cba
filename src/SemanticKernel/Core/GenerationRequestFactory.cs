using System.Globalization;
using System.Text.Json;
using LlmFramework.Engine.Generation;
using LlmFramework.Engine.Sampling;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Runtime;
using Microsoft.Extensions.AI;
using EngineChatMessage = LlmFramework.Abstractions.Tokenization.ChatMessage;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// Builds the engine request for a chat as the host's chat verb does: the messages rendered with the model's chat
/// template (or the plain fallback, which also stops at the next "User:" turn), BOS added unless the template wrote it,
/// and sampling from <see cref="ChatOptions"/> over the configuration's LlmFramework:Generation defaults.
/// </summary>
internal static class GenerationRequestFactory
{
    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key for min-p sampling.</summary>
    public const string MinPKey = "min_p";

    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key for the repetition penalty.</summary>
    public const string RepetitionPenaltyKey = "repetition_penalty";

    /// <summary>The engine request for <paramref name="messages"/> under <paramref name="options"/>.</summary>
    public static GenerationRequest Create(InProcessEngine engine, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        List<EngineChatMessage> chat = [.. ChatMessageText.Flatten(messages).Select(m => new EngineChatMessage(m.Role, m.Text))];
        string prompt = engine.ChatTemplate.Render(chat, addGenerationPrompt: true);
        var tokenizer = engine.Runtime.Model.Tokenizer;
        string bosText = tokenizer.BosId is int bos ? tokenizer.GetTokenText(bos) : "\u0000";
        int[] tokens = tokenizer.Encode(prompt, addSpecialTokens: !prompt.StartsWith(bosText, StringComparison.Ordinal));
        GenerationSettings defaults = engine.Options.Generation;
        List<string> stops = [.. defaults.Stop, .. options?.StopSequences ?? []];
        if (engine.UsesFallbackTemplate)
        {
            stops.Add(PlainChatTemplate.TurnStop);
        }

        int maxTokens = options?.MaxOutputTokens ?? defaults.MaxTokens;
        if (maxTokens < 1)
        {
            throw new ArgumentException($"ChatOptions.MaxOutputTokens must be at least 1, got {maxTokens}");
        }

        var request = new GenerationRequest
        {
            PromptTokens = tokens,
            Sampling = Sampling(options, defaults),
            MaxTokens = maxTokens,
            StopStrings = stops,
        };
        request.Validate(engine.Engine.VocabSize, engine.Engine.ContextLength);
        return request;
    }

    /// <summary>The sampling options: each <see cref="ChatOptions"/> value that is set wins over the configured default.</summary>
    public static SamplingOptions Sampling(ChatOptions? options, GenerationSettings defaults)
    {
        var sampling = new SamplingOptions
        {
            Temperature = options?.Temperature ?? defaults.Temperature,
            TopK = options?.TopK ?? defaults.TopK,
            TopP = options?.TopP ?? defaults.TopP,
            MinP = Extra(options, MinPKey) ?? defaults.MinP,
            RepetitionPenalty = Extra(options, RepetitionPenaltyKey) ?? defaults.RepetitionPenalty,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0f,
            PresencePenalty = options?.PresencePenalty ?? 0f,
            Seed = options?.Seed is long seed ? unchecked((ulong)seed) : defaults.Seed,
        };
        try
        {
            sampling.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"ChatOptions: {ex.Message}", ex);
        }

        return sampling;
    }

    /// <summary>A number from <see cref="ChatOptions.AdditionalProperties"/>, or null when the key is absent.</summary>
    private static float? Extra(ChatOptions? options, string key)
    {
        if (options?.AdditionalProperties is not { } extra || !extra.TryGetValue(key, out object? value) || value is null)
        {
            return null;
        }

        return value switch
        {
            float f => f,
            double d => (float)d,
            int i => i,
            long l => l,
            decimal m => (float)m,
            string s when float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float parsed) => parsed,
            JsonElement { ValueKind: JsonValueKind.Number } e => e.GetSingle(),
            _ => throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{key}\"] must be a number, got {value.GetType().Name} '{value}'"),
        };
    }
}
