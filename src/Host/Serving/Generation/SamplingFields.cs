namespace LlmFramework.Host.Serving.Generation;

/// <summary>The sampling and length settings of one API request (chat, completions or the binary route), before defaults; null = not given.</summary>
internal sealed record SamplingFields
{
    public float? Temperature { get; init; }

    public float? TopP { get; init; }

    public int? TopK { get; init; }

    public float? MinP { get; init; }

    public float? PresencePenalty { get; init; }

    public float? FrequencyPenalty { get; init; }

    public float? RepetitionPenalty { get; init; }

    public long? Seed { get; init; }

    public IReadOnlyList<string> Stop { get; init; } = [];

    public int? MaxTokens { get; init; }

    /// <summary>The request field the max tokens came from ("max_tokens" or "max_completion_tokens"), for errors.</summary>
    public string MaxTokensField { get; init; } = "max_tokens";

    public int? N { get; init; }

    public int Priority { get; init; }

    public bool Logprobs { get; init; }

    public int TopLogprobs { get; init; }
}
