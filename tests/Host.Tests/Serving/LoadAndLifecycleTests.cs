using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LlmFramework.Engine;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>A full queue (429 + Retry-After), a client leaving mid-stream (KV blocks come back), and graceful shutdown.</summary>
[Collection(ServingCollection.Name)]
public sealed class LoadAndLifecycleTests
{
    private const string Long = "{\"prompt\":\"The sea\",\"max_tokens\":480,\"temperature\":0,\"stream\":true}";

    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after()
    {
        await using TestServer server = await TestServer.StartAsync(o =>
        {
            o.Engine.MaxSequences = 1;
            o.Engine.MaxQueuedRequests = 1;
            o.Server.RetryAfterSeconds = 3;
        });
        InferenceEngine engine = server.Host.Models.Resolve(null).Engine;
        using var cts = new CancellationTokenSource();
        Task<HttpResponseMessage> running = Send(server, Long, cts.Token);
        await Eventually.HoldsAsync(() => engine.Metrics.RunningSequences == 1, TimeSpan.FromSeconds(20), "the first request to run");
        Task<HttpResponseMessage> queued = Send(server, Long, cts.Token);
        await Eventually.HoldsAsync(() => engine.Metrics.QueuedRequests == 1, TimeSpan.FromSeconds(20), "the second request to wait");

        (int status, string body) = await server.PostAsync("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1}");
        Assert.Equal(429, status);
        JsonElement error = TestServer.ErrorOf(body);
        Assert.Equal("queue_full", error.GetProperty("code").GetString());
        using HttpResponseMessage again = await server.Client.PostAsync("/v1/chat/completions", new StringContent("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":1}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        Assert.Equal("3", again.Headers.RetryAfter?.ToString());
        await cts.CancelAsync();
        await Task.WhenAll(running.ContinueWith(_ => { }, TaskScheduler.Default), queued.ContinueWith(_ => { }, TaskScheduler.Default));
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_cancels_the_generation_and_its_kv_blocks_come_back()
    {
        await using TestServer server = await TestServer.StartAsync();
        InferenceEngine engine = server.Host.Models.Resolve(null).Engine;
        int freeAtStart = engine.KvCache.Allocator.FreeBlocks;


        // A raw socket that sends the request, reads the start of the stream and closes: a client process going away.
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(server.Client.BaseAddress!.Host, server.Client.BaseAddress.Port);
            byte[] body = Encoding.UTF8.GetBytes(Long);
            string head = $"POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(head).Concat(body).ToArray());
            byte[] buffer = new byte[4096];
            string received = "";
            while (!received.Contains("data: ", StringComparison.Ordinal))
            {
                int n = await socket.ReceiveAsync(buffer);
                Assert.True(n > 0, "the server closed the stream early");
                received += Encoding.UTF8.GetString(buffer, 0, n);
            }

            Assert.StartsWith("HTTP/1.1 200", received, StringComparison.Ordinal);
            Assert.True(engine.KvCache.Allocator.FreeBlocks < freeAtStart, "the running generation holds KV blocks");
            socket.LingerState = new LingerOption(true, 0);
        }

        await Eventually.HoldsAsync(() => engine.Metrics.RequestsCancelled == 1, TimeSpan.FromSeconds(20), "the engine to cancel the generation", () => $"finished {engine.Metrics.RequestsFinished}, generated {engine.Metrics.GeneratedTokens}, running {engine.Metrics.RunningSequences}");
        await Eventually.HoldsAsync(() => engine.KvCache.Allocator.FreeBlocks == freeAtStart, TimeSpan.FromSeconds(20), "the KV blocks to be freed", () => $"free {engine.KvCache.Allocator.FreeBlocks} of {freeAtStart}");
        Assert.True(engine.Metrics.GeneratedTokens < 480, $"{engine.Metrics.GeneratedTokens} tokens were generated");
    }

    [Fact]
    public async Task Graceful_shutdown_finishes_the_requests_in_flight_and_refuses_new_work_while_draining()
    {
        TestServer server = await TestServer.StartAsync(o => o.Server.ShutdownTimeoutSeconds = 30);
        InferenceEngine engine = server.Host.Models.Resolve(null).Engine;
        Task<(int Status, string Body)> inFlight = server.PostAsync("/v1/completions", "{\"prompt\":\"The sea\",\"max_tokens\":150,\"temperature\":0}");
        await Eventually.HoldsAsync(() => engine.Metrics.GeneratedTokens > 0, TimeSpan.FromSeconds(20), "the generation to start");
        Task stopping = server.Host.StopAsync();

        using (HttpResponseMessage ready = await server.Client.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Contains("draining", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (HttpResponseMessage live = await server.Client.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        (int refused, string refusedBody) = await server.PostAsync("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":1}");
        Assert.Equal(503, refused);
        Assert.Equal("shutting_down", TestServer.ErrorOf(refusedBody).GetProperty("code").GetString());

        (int status, string body) = await inFlight;
        Assert.True(status == 200, body);
        JsonElement r = JsonDocument.Parse(body).RootElement;
        Assert.Equal(150, r.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", r.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Shutdown_past_its_timeout_cancels_the_rest_with_a_503_error_event()
    {
        TestServer server = await TestServer.StartAsync(o => o.Server.ShutdownTimeoutSeconds = 0);
        InferenceEngine engine = server.Host.Models.Resolve(null).Engine;
        Task<List<string>> stream = server.StreamAsync("/v1/completions", "{\"prompt\":\"The sea\",\"max_tokens\":400,\"temperature\":0,\"stream\":true}");
        await Eventually.HoldsAsync(() => engine.Metrics.GeneratedTokens > 0, TimeSpan.FromSeconds(20), "the generation to start");
        await server.Host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        List<string> events = await stream;
        JsonElement error = TestServer.ErrorOf(events[^2]);
        Assert.Equal("shutting_down", error.GetProperty("code").GetString());
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_request_past_its_timeout_is_cancelled_and_answered_504()
    {
        await using TestServer server = await TestServer.StartAsync(o => o.Server.RequestTimeoutSeconds = 1);
        InferenceEngine engine = server.Host.Models.Resolve(null).Engine;
        int freeAtStart = engine.KvCache.Allocator.FreeBlocks;
        (int status, string body) = await server.PostAsync("/v1/completions", "{\"prompt\":\"The sea\",\"max_tokens\":480,\"n\":8,\"temperature\":0}");
        Assert.Equal(504, status);
        Assert.Equal("timeout_error", TestServer.ErrorOf(body).GetProperty("type").GetString());
        await Eventually.HoldsAsync(() => engine.KvCache.Allocator.FreeBlocks == freeAtStart, TimeSpan.FromSeconds(20), "the KV blocks to be freed");
    }

    private static Task<HttpResponseMessage> Send(TestServer server, string json, CancellationToken cancellationToken) =>
        server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") }, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
}
