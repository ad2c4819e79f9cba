using System.Globalization;
using System.Text.Json;
using LlmFramework.Host.Serving.Dtos;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>Writes an <see cref="ApiError"/> as an OpenAI-shaped JSON error (with Retry-After when it has one).</summary>
internal static class ErrorWriter
{
    public static ErrorResponse Body(ApiError error) => new()
    {
        Error = new ErrorBodyDto { Message = error.Message, Type = error.Type, Param = error.Param, Code = error.Code },
    };

    public static async Task WriteAsync(HttpContext context, ApiError error)
    {
        HttpResponse response = context.Response;
        response.StatusCode = error.Status;
        if (error.RetryAfterSeconds is int seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(response.Body, Body(error), ServingJsonContext.Relaxed.ErrorResponse, context.RequestAborted).ConfigureAwait(false);
    }
}
