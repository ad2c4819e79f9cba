using System.Net.Http.Headers;
using System.Text.Json;
using LlmFramework.Protocol;
using LlmFramework.SemanticKernel.Settings;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// The routes of a remote host and the HTTP plumbing shared by the remote clients: the Bearer key on every request,
/// responses read as they stream in, and error answers turned into <see cref="LlmFrameworkServerException"/>.
/// </summary>
internal sealed class RemoteEndpoint : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string? _apiKey;

    public RemoteEndpoint(LlmFrameworkRemoteOptions options, HttpClient? httpClient)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        string baseAddress = options.Endpoint!.AbsoluteUri;
        BaseAddress = new Uri(baseAddress.EndsWith('/') ? baseAddress : baseAddress + "/");
        _apiKey = string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey;
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = options.Timeout };
    }

    public LlmFrameworkRemoteOptions Options { get; }

    /// <summary>The /v1 base, ending in a slash.</summary>
    public Uri BaseAddress { get; }

    public Uri ChatCompletions => new(BaseAddress, "chat/completions");

    public Uri Embeddings => new(BaseAddress, "embeddings");

    public Uri Models => new(BaseAddress, "models");

    /// <summary>The binary route (<see cref="BinaryStreamProtocol.Route"/>) under the same /v1 base.</summary>
    public Uri BinaryChatStream => new(BaseAddress, BinaryStreamProtocol.Route["/v1/".Length..]);

    /// <summary>Sends a request and returns the response once its headers are in; throws the server's error for a non-success status.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, HttpContent? content, string accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        if (_apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }

        HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw ErrorFrom(response, body);
        }
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>The server's message, type, code and param from an OpenAI error body; the raw body when it is not one.</summary>
    internal static LlmFrameworkServerException ErrorFrom(HttpResponseMessage response, string body)
    {
        string where = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}";
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out JsonElement error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    return new LlmFrameworkServerException(error.GetString()!, response.StatusCode);
                }

                return new LlmFrameworkServerException(
                    Text(error, "message") ?? $"{where} failed with {(int)response.StatusCode} {response.ReasonPhrase}",
                    response.StatusCode,
                    Text(error, "type"),
                    Text(error, "code"),
                    Text(error, "param"));
            }
        }
        catch (JsonException)
        {
            // Not JSON: report the body as it is.
        }

        string shown = body.Length > 500 ? body[..500] + "..." : body;
        return new LlmFrameworkServerException($"{where} failed with {(int)response.StatusCode} {response.ReasonPhrase}{(shown.Length > 0 ? ": " + shown : "")}", response.StatusCode);
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        } : null;
}
