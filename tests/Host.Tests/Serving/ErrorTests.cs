using System.Net;
using System.Text;
using System.Text.Json;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>Bad requests get OpenAI-shaped errors with the right status, naming the field; never a stack trace.</summary>
[Collection(ServingCollection.Name)]
public sealed class ErrorTests(SharedServer shared)
{
    private readonly TestServer _server = shared.Server;

    [Theory]
    [InlineData("{\"messages\": [", null, "not valid JSON")]
    [InlineData("[1, 2]", null, "must be a JSON object")]
    [InlineData("{}", "messages", "'messages' is required")]
    [InlineData("{\"messages\": []}", "messages", "at least one message")]
    [InlineData("{\"messages\": \"hi\"}", "messages", "must be an array")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": \"hot\"}", "temperature", "must be a number")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 1.5}", "n", "must be an integer")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"stream\": \"yes\"}", "stream", "true or false")]
    [InlineData("{\"messages\": [{\"role\": \"wizard\", \"content\": \"x\"}]}", "messages[0].role", "must be one of")]
    [InlineData("{\"messages\": [{\"role\": \"user\"}]}", "messages[0].content", "is required")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}", "messages[0].content[0]", "only {\"type\":\"text\"")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 0}", "n", "[1, 16]")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 17}", "n", "[1, 16]")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": 0}", "max_tokens", "at least 1")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": 100000}", "max_tokens", "context length 512")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"logprobs\": true, \"top_logprobs\": 21}", "top_logprobs", "[0, 20]")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"top_logprobs\": 2}", "top_logprobs", "needs 'logprobs'")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"top_p\": 0}", "top_p", "top_p must be in (0, 1]")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"stop\": 5}", "stop", "a string or a list of strings")]
    [InlineData("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": [{\"type\": \"function\", \"function\": {}}]}", "tools[0].function.name", "is required")]
    public async Task Chat_requests_with_a_bad_field_are_400_naming_it(string body, string? param, string message)
    {
        (int status, string text) = await _server.PostAsync("/v1/chat/completions", body);
        Assert.Equal(400, status);
        JsonElement error = TestServer.ErrorOf(text);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"prompt\": 5}", "prompt", "must be a string, a list of strings")]
    [InlineData("{\"prompt\": []}", "prompt", "empty list")]
    [InlineData("{\"prompt\": [1, \"a\"]}", "prompt", "must be a token id")]
    [InlineData("{\"prompt\": [999999]}", "prompt", "outside the vocabulary")]
    [InlineData("{\"prompt\": \"x\", \"suffix\": \"y\"}", "suffix", "not supported")]
    [InlineData("{\"prompt\": \"x\", \"logprobs\": 21}", "logprobs", "[0, 20]")]
    public async Task Completion_requests_with_a_bad_field_are_400_naming_it(string body, string param, string message)
    {
        (int status, string text) = await _server.PostAsync("/v1/completions", body);
        Assert.Equal(400, status);
        JsonElement error = TestServer.ErrorOf(text);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"input\": \"x\", \"encoding_format\": \"hex\"}", "encoding_format")]
    [InlineData("{\"input\": \"x\", \"dimensions\": 3}", "dimensions")]
    [InlineData("{}", "input")]
    public async Task Embedding_requests_with_a_bad_field_are_400_naming_it(string body, string param)
    {
        (int status, string text) = await _server.PostAsync("/v1/embeddings", body);
        Assert.Equal(400, status);
        Assert.Equal(param, TestServer.ErrorOf(text).GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_is_400_context_length_exceeded()
    {
        string longText = string.Join(' ', Enumerable.Repeat("the sea was calm", 200));
        (int status, string text) = await _server.PostAsync("/v1/completions", "{\"prompt\":\"" + longText + "\",\"max_tokens\":1}");
        Assert.Equal(400, status);
        JsonElement error = TestServer.ErrorOf(text);
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("context length is 512", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_model_is_404_listing_the_known_ones()
    {
        (int status, string text) = await _server.PostAsync("/v1/chat/completions", "{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        Assert.Equal(404, status);
        JsonElement error = TestServer.ErrorOf(text);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("'gpt-9' does not exist; known models: default", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_whether_declared_or_streamed()
    {
        string big = "{\"prompt\":\"" + new string('a', 1024 * 1024 + 10) + "\"}";

        // Declared: Content-Length over the limit is refused before the body is read.
        (int status, string text) = await SendOverTheLimitAsync(() => new StringContent(big, Encoding.UTF8, "application/json"), chunked: false);
        Assert.Equal(413, status);
        Assert.Equal("request_too_large", TestServer.ErrorOf(text).GetProperty("code").GetString());

        // Chunked (no Content-Length): the limit applies while reading.
        (status, _) = await SendOverTheLimitAsync(() => new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") } }, chunked: true);
        Assert.Equal((int)HttpStatusCode.RequestEntityTooLarge, status);
    }

    /// <summary>
    /// POSTs a body over the limit. The server answers before the client has sent everything, so on a loaded machine the
    /// client can see its connection closed mid-send instead of the answer; such a try says nothing about the server's
    /// answer and is repeated (at most three times).
    /// </summary>
    private async Task<(int Status, string Body)> SendOverTheLimitAsync(Func<HttpContent> content, bool chunked)
    {
        HttpRequestException? lastFailure = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = content() };
            request.Headers.TransferEncodingChunked = chunked;
            try
            {
                using HttpResponseMessage response = await _server.Client.SendAsync(request);
                return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException e)
            {
                lastFailure = e;
            }
        }

        Assert.Fail($"three uploads over the limit all lost their connection before an answer: {lastFailure}");
        return default;
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_in_the_openai_shape()
    {
        using HttpResponseMessage response = await _server.Client.GetAsync("/v1/nothing");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("unknown_route", TestServer.ErrorOf(await response.Content.ReadAsStringAsync()).GetProperty("code").GetString());
    }
}
