using System.Text.Json;

namespace LlmFramework.Host.Serving.Dtos;

/// <summary>POST /v1/completions.</summary>
internal sealed class CompletionRequest : SamplingFieldsDto
{
    /// <summary>A string, a list of strings, a list of token ids or a list of lists of token ids.</summary>
    public JsonElement? Prompt { get; set; }

    /// <summary>Number of most likely tokens to return per position (0 = only the chosen token's).</summary>
    public int? Logprobs { get; set; }

    public bool? Echo { get; set; }

    public string? Suffix { get; set; }
}

/// <summary>A text completion (non-streaming answer or a streamed chunk).</summary>
internal sealed class CompletionResponse
{
    public required string Id { get; set; }

    public string Object { get; set; } = "text_completion";

    public long Created { get; set; }

    public required string Model { get; set; }

    public List<CompletionChoiceDto> Choices { get; set; } = [];

    public UsageDto? Usage { get; set; }
}

/// <summary>One choice of a <see cref="CompletionResponse"/>.</summary>
internal sealed class CompletionChoiceDto
{
    public int Index { get; set; }

    public string Text { get; set; } = "";

    public CompletionLogprobsDto? Logprobs { get; set; }

    public string? FinishReason { get; set; }
}

/// <summary>The legacy completions logprobs shape.</summary>
internal sealed class CompletionLogprobsDto
{
    public List<string> Tokens { get; set; } = [];

    public List<float> TokenLogprobs { get; set; } = [];

    public List<Dictionary<string, float>> TopLogprobs { get; set; } = [];

    public List<int> TextOffset { get; set; } = [];
}
