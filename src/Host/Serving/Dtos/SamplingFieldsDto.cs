using System.Text.Json;

namespace LlmFramework.Host.Serving.Dtos;

/// <summary>The sampling and length fields the chat and completion requests share (OpenAI names, plus top_k, repetition_penalty and priority).</summary>
internal abstract class SamplingFieldsDto
{
    public string? Model { get; set; }

    public float? Temperature { get; set; }

    public float? TopP { get; set; }

    public int? TopK { get; set; }

    public float? MinP { get; set; }

    public float? PresencePenalty { get; set; }

    public float? FrequencyPenalty { get; set; }

    public float? RepetitionPenalty { get; set; }

    /// <summary>A string or a list of strings.</summary>
    public JsonElement? Stop { get; set; }

    public long? Seed { get; set; }

    public int? MaxTokens { get; set; }

    public int? N { get; set; }

    public bool? Stream { get; set; }

    public StreamOptionsDto? StreamOptions { get; set; }

    public int? Priority { get; set; }

    public string? User { get; set; }
}
