using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace LlmFramework.Clients.Tests.Support;

/// <summary>One streamed chat completion read off the wire (SSE), with what a careful client checks.</summary>
internal sealed record StreamedCompletion(string Text, string? FinishReason, int Chunks, bool SawDone, int? CompletionTokens)
{
    /// <summary>POSTs a streaming chat completion and reads it to the end, or, with <paramref name="stopAfterChunks"/>, hangs up after that many chunks.</summary>
    public static async Task<StreamedCompletion> ReadAsync(HttpClient client, object body, int stopAfterChunks = int.MaxValue, CancellationToken cancellationToken = default)
    {
        using HttpResponseMessage response = await OpenAsync(client, body, cancellationToken);
        return await ReadAsync(response, stopAfterChunks, cancellationToken);
    }

    /// <summary>POSTs a streaming chat completion and returns the response once its headers arrived (a non-success status throws, with the body).</summary>
    public static async Task<HttpResponseMessage> OpenAsync(HttpClient client, object body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/chat/completions", UriKind.Relative))
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            string error = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new HttpRequestException($"{(int)response.StatusCode}: {error}", null, response.StatusCode);
        }

        return response;
    }

    /// <summary>Reads an open streaming response to [DONE] (or hangs up after <paramref name="stopAfterChunks"/> chunks).</summary>
    public static async Task<StreamedCompletion> ReadAsync(HttpResponseMessage response, int stopAfterChunks = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        await using Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = new StringBuilder();
        string? finish = null;
        int chunks = 0;
        int? completionTokens = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            string data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                return new StreamedCompletion(text.ToString(), finish, chunks, true, completionTokens);
            }

            using JsonDocument doc = JsonDocument.Parse(data);
            chunks++;
            foreach (JsonElement choice in doc.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.TryGetProperty("delta", out JsonElement delta) && delta.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String)
                {
                    text.Append(content.GetString());
                }

                if (choice.TryGetProperty("finish_reason", out JsonElement f) && f.ValueKind == JsonValueKind.String)
                {
                    finish = f.GetString();
                }
            }

            if (doc.RootElement.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }

            if (chunks >= stopAfterChunks)
            {
                return new StreamedCompletion(text.ToString(), finish, chunks, false, completionTokens);
            }
        }

        return new StreamedCompletion(text.ToString(), finish, chunks, false, completionTokens);
    }

    /// <summary>A chat request body.</summary>
    public static object Body(string model, string user, int maxTokens, int seed, float temperature = 0.8f) => new Dictionary<string, object>
    {
        ["model"] = model,
        ["messages"] = new[] { new Dictionary<string, string> { ["role"] = "user", ["content"] = user } },
        ["max_tokens"] = maxTokens,
        ["temperature"] = temperature,
        ["seed"] = seed,
        ["stream"] = true,
        ["stream_options"] = new Dictionary<string, bool> { ["include_usage"] = true },
    };
}
