using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmFramework.Protocol;
using MessagePack;
using Xunit.Abstractions;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>POST /v1/llmf/chat/stream: MessagePack frames (Delta..., Final), JSON errors before the stream, and its size and speed next to SSE.</summary>
[Collection(ServingCollection.Name)]
public sealed class BinaryStreamTests(SharedServer shared, ITestOutputHelper output)
{
    private readonly TestServer _server = shared.Server;

    private static BinaryChatRequest Request(int maxTokens) => new()
    {
        Messages = [new BinaryChatMessage { Role = "user", Content = "Tell me about the sea." }],
        MaxTokens = maxTokens,
        Temperature = 0,
    };

    [Fact]
    public async Task Frames_are_deltas_then_one_final_with_usage_and_the_same_text_as_the_json_route()
    {
        (HttpResponseMessage response, List<BinaryStreamFrame> frames, _) = await PostBinaryAsync(Request(10));
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("1", response.Headers.GetValues("X-Llmf-Protocol").Single());
            Assert.Equal(BinaryStreamProtocol.ResponseContentType, response.Content.Headers.ContentType?.MediaType);
        }

        Assert.All(frames.SkipLast(1), f => Assert.Equal(BinaryFrameKind.Delta, f.Kind));
        BinaryStreamFrame final = frames[^1];
        Assert.Equal(BinaryFrameKind.Final, final.Kind);
        Assert.Equal("length", final.FinishReason);
        Assert.Equal(10, final.CompletionTokens);
        Assert.Equal("default", final.Model);
        Assert.Equal(10, frames.Sum(f => f.TokenIds.Length));
        JsonElement json = await _server.PostOkAsync("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the sea.\"}],\"max_tokens\":10,\"temperature\":0}");
        Assert.Equal(json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), string.Concat(frames.Select(f => f.Text)));
        Assert.Equal(json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), final.PromptTokens);
    }

    [Fact]
    public async Task Errors_before_the_stream_are_openai_json_errors()
    {
        (HttpResponseMessage unknown, _, byte[] body) = await PostBinaryAsync(new BinaryChatRequest { Model = "nope", Messages = [new BinaryChatMessage { Content = "x" }] });
        using (unknown)
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("model_not_found", TestServer.ErrorOf(Encoding.UTF8.GetString(body)).GetProperty("code").GetString());
        }

        (HttpResponseMessage noMessages, _, byte[] body2) = await PostBinaryAsync(new BinaryChatRequest());
        using (noMessages)
        {
            Assert.Equal(HttpStatusCode.BadRequest, noMessages.StatusCode);
            Assert.Equal("messages", TestServer.ErrorOf(Encoding.UTF8.GetString(body2)).GetProperty("param").GetString());
        }

        using var garbage = new ByteArrayContent([0xc1, 0x00, 0x01]);
        garbage.Headers.ContentType = new MediaTypeHeaderValue(BinaryStreamProtocol.RequestContentType);
        using HttpResponseMessage bad = await _server.Client.PostAsync(BinaryStreamProtocol.Route, garbage);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("MessagePack", TestServer.ErrorOf(await bad.Content.ReadAsStringAsync()).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Per_token_bytes_and_time_of_sse_and_messagepack_for_one_generation()
    {
        const int tokens = 64;
        (await PostBinaryAsync(Request(4))).Response.Dispose(); // warm up
        var sse = Stopwatch.StartNew();
        long sseBytes;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the sea.\"}],\"max_tokens\":" + tokens + ",\"temperature\":0,\"stream\":true}", Encoding.UTF8, "application/json") })
        using (HttpResponseMessage response = await _server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            sseBytes = (await response.Content.ReadAsByteArrayAsync()).Length;
        }

        sse.Stop();
        var binary = Stopwatch.StartNew();
        (HttpResponseMessage r, List<BinaryStreamFrame> frames, byte[] binaryBody) = await PostBinaryAsync(Request(tokens));
        long binaryBytes = binaryBody.Length;
        binary.Stop();
        r.Dispose();
        int generated = frames[^1].CompletionTokens;
        Assert.Equal(tokens, generated);
        output.WriteLine($"one generation of {generated} tokens: SSE {sseBytes} bytes ({(double)sseBytes / generated:F1} B/token), {sse.Elapsed.TotalMilliseconds:F1} ms; MessagePack {binaryBytes} bytes ({(double)binaryBytes / generated:F1} B/token), {binary.Elapsed.TotalMilliseconds:F1} ms");
        Assert.True(binaryBytes < sseBytes, $"MessagePack {binaryBytes} bytes vs SSE {sseBytes}");
    }

    private async Task<(HttpResponseMessage Response, List<BinaryStreamFrame> Frames, byte[] Body)> PostBinaryAsync(BinaryChatRequest request)
    {
        using var content = new ByteArrayContent(MessagePackSerializer.Serialize(request));
        content.Headers.ContentType = new MediaTypeHeaderValue(BinaryStreamProtocol.RequestContentType);
        HttpResponseMessage response = await _server.Client.PostAsync(BinaryStreamProtocol.Route, content);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        var frames = new List<BinaryStreamFrame>();
        if (response.StatusCode == HttpStatusCode.OK)
        {
            using var reader = new MessagePackStreamReader(new MemoryStream(body));
            while (await reader.ReadAsync(CancellationToken.None) is { } frame)
            {
                frames.Add(MessagePackSerializer.Deserialize<BinaryStreamFrame>(frame));
            }
        }

        return (response, frames, body);
    }
}
