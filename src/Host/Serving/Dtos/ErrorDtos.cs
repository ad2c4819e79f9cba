namespace LlmFramework.Host.Serving.Dtos;

/// <summary>An OpenAI-shaped error answer.</summary>
internal sealed class ErrorResponse
{
    public required ErrorBodyDto Error { get; set; }
}

/// <summary>The error of an <see cref="ErrorResponse"/>; param and code are written as null when absent.</summary>
internal sealed class ErrorBodyDto
{
    public required string Message { get; set; }

    public required string Type { get; set; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public string? Param { get; set; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public string? Code { get; set; }
}
