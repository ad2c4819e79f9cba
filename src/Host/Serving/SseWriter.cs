using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>
/// Writes server-sent events: <c>data: {json}\n\n</c> per event, flushed at once, and <c>data: [DONE]\n\n</c> at the
/// end. The JSON is serialized straight into the response's pipe with one reused writer.
/// </summary>
internal sealed class SseWriter : IDisposable
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Suffix = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly HttpResponse _response;
    private readonly Utf8JsonWriter _json;

    private SseWriter(HttpResponse response)
    {
        _response = response;
        _json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>Sends the status and headers of an event stream.</summary>
    public static async Task<SseWriter> StartAsync(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync().ConfigureAwait(false);
        return new SseWriter(response);
    }

    public async Task WriteAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        _response.BodyWriter.Write(Prefix);
        _json.Reset(_response.BodyWriter);
        JsonSerializer.Serialize(_json, value, typeInfo);
        _json.Flush();
        _response.BodyWriter.Write(Suffix);
        await _response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An error after the stream started: an event holding the OpenAI error object.</summary>
    public Task WriteErrorAsync(ApiError error, CancellationToken cancellationToken) =>
        WriteAsync(ErrorWriter.Body(error), ServingJsonContext.Relaxed.ErrorResponse, cancellationToken);

    public async Task WriteDoneAsync(CancellationToken cancellationToken)
    {
        _response.BodyWriter.Write(Done);
        await _response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _json.Dispose();
}
