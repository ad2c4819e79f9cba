namespace LlmFramework.Host.Serving.Dtos;

/// <summary>A chat completion (non-streaming answer).</summary>
internal sealed class ChatCompletionResponse
{
    public required string Id { get; set; }

    public string Object { get; set; } = "chat.completion";

    public long Created { get; set; }

    public required string Model { get; set; }

    public List<ChatChoiceDto> Choices { get; set; } = [];

    public UsageDto? Usage { get; set; }
}

/// <summary>One choice of a <see cref="ChatCompletionResponse"/>.</summary>
internal sealed class ChatChoiceDto
{
    public int Index { get; set; }

    public required ChatResponseMessageDto Message { get; set; }

    public ChatLogprobsDto? Logprobs { get; set; }

    public string? FinishReason { get; set; }
}

/// <summary>The assistant message of a choice, or the delta of a streamed chunk.</summary>
internal sealed class ChatResponseMessageDto
{
    public string? Role { get; set; }

    public string? Content { get; set; }

    /// <summary>Text between &lt;think&gt; and &lt;/think&gt; (DeepSeek-R1 style).</summary>
    public string? ReasoningContent { get; set; }

    public List<ToolCallDto>? ToolCalls { get; set; }
}

/// <summary>choices[].logprobs of a chat answer.</summary>
internal sealed class ChatLogprobsDto
{
    public List<ChatTokenLogprobDto> Content { get; set; } = [];
}

/// <summary>One token's log-probability and its most likely alternatives.</summary>
internal sealed class ChatTokenLogprobDto
{
    public required string Token { get; set; }

    public float Logprob { get; set; }

    public required int[] Bytes { get; set; }

    public List<ChatTopLogprobDto>? TopLogprobs { get; set; }
}

/// <summary>An alternative token in <see cref="ChatTokenLogprobDto.TopLogprobs"/>.</summary>
internal sealed class ChatTopLogprobDto
{
    public required string Token { get; set; }

    public float Logprob { get; set; }

    public required int[] Bytes { get; set; }
}

/// <summary>A streamed chat chunk.</summary>
internal sealed class ChatCompletionChunk
{
    public required string Id { get; set; }

    public string Object { get; set; } = "chat.completion.chunk";

    public long Created { get; set; }

    public required string Model { get; set; }

    public List<ChatChunkChoiceDto> Choices { get; set; } = [];

    public UsageDto? Usage { get; set; }
}

/// <summary>One choice of a <see cref="ChatCompletionChunk"/>.</summary>
internal sealed class ChatChunkChoiceDto
{
    public int Index { get; set; }

    public required ChatResponseMessageDto Delta { get; set; }

    public ChatLogprobsDto? Logprobs { get; set; }

    /// <summary>Written as null until the last chunk of the choice, as OpenAI does.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public string? FinishReason { get; set; }
}

/// <summary>Token counts of a request.</summary>
internal sealed class UsageDto
{
    public int PromptTokens { get; set; }

    public int CompletionTokens { get; set; }

    public int TotalTokens { get; set; }
}
