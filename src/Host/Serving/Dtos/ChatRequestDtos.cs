using System.Text.Json;

namespace LlmFramework.Host.Serving.Dtos;

/// <summary>POST /v1/chat/completions.</summary>
internal sealed class ChatCompletionRequest : SamplingFieldsDto
{
    public List<ChatMessageDto?>? Messages { get; set; }

    public int? MaxCompletionTokens { get; set; }

    public bool? Logprobs { get; set; }

    public int? TopLogprobs { get; set; }

    public List<ToolDto>? Tools { get; set; }

    /// <summary>"none", "auto", "required" or {"type":"function","function":{"name":..}}.</summary>
    public JsonElement? ToolChoice { get; set; }
}

/// <summary>One message of a chat request.</summary>
internal sealed class ChatMessageDto
{
    public string? Role { get; set; }

    /// <summary>A string, a list of content parts ({"type":"text","text":..}) or null.</summary>
    public JsonElement? Content { get; set; }

    public string? Name { get; set; }

    public List<ToolCallDto>? ToolCalls { get; set; }

    public string? ToolCallId { get; set; }
}

/// <summary>A tool offered to the model.</summary>
internal sealed class ToolDto
{
    public string? Type { get; set; }

    public ToolFunctionDto? Function { get; set; }
}

/// <summary>The function of a <see cref="ToolDto"/>.</summary>
internal sealed class ToolFunctionDto
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    /// <summary>JSON schema of the arguments.</summary>
    public JsonElement? Parameters { get; set; }
}

/// <summary>A tool call, in an assistant message of the request or in a response.</summary>
internal sealed class ToolCallDto
{
    /// <summary>Position in a streamed delta's list (responses only).</summary>
    public int? Index { get; set; }

    public string? Id { get; set; }

    public string? Type { get; set; }

    public ToolCallFunctionDto? Function { get; set; }
}

/// <summary>The function of a <see cref="ToolCallDto"/>.</summary>
internal sealed class ToolCallFunctionDto
{
    public string? Name { get; set; }

    /// <summary>The arguments as a JSON text.</summary>
    public string? Arguments { get; set; }
}
