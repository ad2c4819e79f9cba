using System.Net;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// An error answer from a remote LlmFramework host (the OpenAI error shape <c>{"error":{"message","type","param","code"}}</c>),
/// or an error frame of a binary stream. <see cref="Exception.Message"/> is the server's message; <see cref="HttpRequestException.StatusCode"/>
/// its HTTP status (null for an error that arrived after streaming began).
/// </summary>
public sealed class LlmFrameworkServerException : HttpRequestException
{
    /// <summary>Creates the exception.</summary>
    public LlmFrameworkServerException(string message, HttpStatusCode? statusCode, string? errorType = null, string? errorCode = null, string? param = null)
        : base(message, inner: null, statusCode)
    {
        ErrorType = errorType;
        ErrorCode = errorCode;
        Param = param;
    }

    /// <summary>Creates the exception with a message only (no status).</summary>
    public LlmFrameworkServerException()
        : this("the server reported an error", statusCode: null)
    {
    }

    /// <summary>Creates the exception with a message only (no status).</summary>
    public LlmFrameworkServerException(string message)
        : this(message, statusCode: null)
    {
    }

    /// <summary>Creates the exception wrapping another.</summary>
    public LlmFrameworkServerException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>The error's <c>type</c> (e.g. "invalid_request_error"), if the server gave one.</summary>
    public string? ErrorType { get; }

    /// <summary>The error's <c>code</c>, if the server gave one.</summary>
    public string? ErrorCode { get; }

    /// <summary>The request field at fault (<c>param</c>), if the server named one.</summary>
    public string? Param { get; }
}
