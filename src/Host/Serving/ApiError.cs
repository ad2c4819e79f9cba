using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>
/// A request the server answers with an OpenAI-shaped error: <c>{"error":{"message","type","param","code"}}</c> and
/// <see cref="Status"/>. Thrown by validation and the routes; the endpoint wrapper writes it.
/// </summary>
internal sealed class ApiError : Exception
{
    public ApiError(int status, string type, string message, string? param = null, string? code = null)
        : base(message)
    {
        Status = status;
        Type = type;
        Param = param;
        Code = code;
    }

    public ApiError()
        : this(StatusCodes.Status500InternalServerError, "server_error", "internal error")
    {
    }

    public ApiError(string message)
        : this(StatusCodes.Status400BadRequest, "invalid_request_error", message)
    {
    }

    public ApiError(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusCodes.Status500InternalServerError;
        Type = "server_error";
    }

    public int Status { get; }

    public string Type { get; }

    public string? Param { get; }

    public string? Code { get; }

    /// <summary>Seconds to send in Retry-After (429, 503), or null.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiError BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, "invalid_request_error", message, param, code);

    /// <summary>A 400 for an engine or sampling <see cref="ArgumentException"/>; a message that starts with a request field's name gets it as the param.</summary>
    public static ApiError FromArgument(ArgumentException ex, string? param = null)
    {
        ArgumentNullException.ThrowIfNull(ex);
        string message = ex.Message;
        param ??= KnownFields.FirstOrDefault(f => message.StartsWith(f + " ", StringComparison.Ordinal));
        return BadRequest(message, param);
    }

    private static readonly string[] KnownFields =
        ["temperature", "top_p", "top_k", "min_p", "repetition_penalty", "presence_penalty", "frequency_penalty", "max_tokens", "top_logprobs", "logprobs", "prompt", "seed"];
}
