using LlmFramework.Clients.Tests.Support;

namespace LlmFramework.Clients.Tests;

/// <summary>
/// Bounded load and fault tests against the real server on loopback: 64 concurrent streaming clients with a KV cache
/// too small for all of them (so preemption must happen), clients that hang up mid-stream, and a graceful shutdown
/// with requests in flight.
/// </summary>
public sealed class LoadAndFaultTests
{
    private const int Clients = 64;
    private const int RequestsPerClient = 2;

    // 64 blocks of 16 tokens for up to 64 running sequences of ~60 tokens each: about a quarter of what they need.
    private static readonly string[] TightCache =
    [
        "--set", "LlmFramework:Engine:MaxSequences=64",
        "--set", "LlmFramework:Engine:MaxBatchTokens=256",
        "--set", "LlmFramework:Engine:KvCacheTokens=1024",
        "--set", "LlmFramework:Engine:MaxQueuedRequests=1024",
        "--threads", "2",
    ];

    private static HttpClient Client(HostServer server) => new() { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };

    /// <summary>A host with the tight cache, a client for it, the served model id, and the free blocks at the start (all 64).</summary>
    private static async Task<(HostServer Server, HttpClient Client, string Model, double FreeAtStart)> StartTightAsync()
    {
        HostServer server = await HostServer.StartAsync(TightCache);
        HttpClient client = Client(server);
        string model = await ServerWaits.FirstModelIdAsync(client);
        double free = (await PrometheusText.ScrapeAsync(client)).Sum("llmf_kv_blocks_free");
        Assert.Equal(64, free); // 1024 tokens in blocks of 16, all free
        return (server, client, model, free);
    }

    [Fact]
    public async Task Sixty_four_streaming_clients_all_complete_and_kv_exhaustion_preempts_instead_of_failing()
    {
        (HostServer server, HttpClient client, string model, double freeAtStart) = await StartTightAsync();
        using HostServer ownedServer = server;
        using HttpClient ownedClient = client;

        var results = new StreamedCompletion[Clients * RequestsPerClient];
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async c =>
        {
            for (int r = 0; r < RequestsPerClient; r++)
            {
                int i = (c * RequestsPerClient) + r;
                results[i] = await StreamedCompletion.ReadAsync(client, StreamedCompletion.Body(model, $"Tell me story number {i} about the sea.", maxTokens: 40, seed: i));
            }
        }));

        for (int i = 0; i < results.Length; i++)
        {
            StreamedCompletion r = results[i];
            Assert.True(r.SawDone, $"request {i} did not end with [DONE]");
            Assert.Contains(r.FinishReason, new[] { "stop", "length" });
            Assert.True(r.CompletionTokens is >= 1 and <= 40, $"request {i}: usage {r.CompletionTokens}");
        }

        PrometheusText metrics = await PrometheusText.ScrapeAsync(client);
        Assert.True(metrics.Sum("llmf_preemptions_total") > 0, "a cache this small must have preempted");
        Assert.Equal(0, metrics.Sum("llmf_requests_total", "outcome=\"failed\""));

        // Preemption recomputes; it must not change what a seeded request says.
        foreach (int i in new[] { 0, 37, 101 })
        {
            StreamedCompletion alone = await StreamedCompletion.ReadAsync(client, StreamedCompletion.Body(model, $"Tell me story number {i} about the sea.", maxTokens: 40, seed: i));
            Assert.Equal(results[i].Text, alone.Text);
        }

        await ServerWaits.HoldsAsync(async () => (await PrometheusText.ScrapeAsync(client)).Sum("llmf_kv_blocks_free") == freeAtStart, "every KV block is free again");
    }

    [Fact]
    public async Task Clients_that_hang_up_mid_stream_give_their_kv_blocks_back()
    {
        (HostServer server, HttpClient client, string model, double freeAtStart) = await StartTightAsync();
        using HostServer ownedServer = server;
        using HttpClient ownedClient = client;

        StreamedCompletion[] cut = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            StreamedCompletion.ReadAsync(client, StreamedCompletion.Body(model, $"A long tale, part {i}.", maxTokens: 400, seed: i), stopAfterChunks: 3)));
        Assert.All(cut, r => Assert.False(r.SawDone));

        await ServerWaits.HoldsAsync(async () =>
        {
            PrometheusText m = await PrometheusText.ScrapeAsync(client);
            return m.Sum("llmf_kv_blocks_free") == freeAtStart && m.Sum("llmf_running_sequences") == 0;
        }, "the hung-up requests are cancelled and their blocks freed");
        Assert.True((await PrometheusText.ScrapeAsync(client)).Sum("llmf_requests_total", "outcome=\"cancelled\"") >= 16);

        // The server is still healthy.
        StreamedCompletion after = await StreamedCompletion.ReadAsync(client, StreamedCompletion.Body(model, "Still there?", maxTokens: 8, seed: 1));
        Assert.True(after.SawDone);
    }

    [Fact]
    public async Task Graceful_shutdown_finishes_every_accepted_request()
    {
        using HostServer server = await HostServer.StartAsync("--threads", "2");
        using HttpClient client = Client(server);
        string model = await ServerWaits.FirstModelIdAsync(client);

        // Eight streams are accepted and under way when the host is told to stop.
        var started = new CountdownEvent(8);
        Task<StreamedCompletion>[] inFlight = [.. Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            using HttpResponseMessage response = await StreamedCompletion.OpenAsync(client, StreamedCompletion.Body(model, $"Shutdown story {i}.", maxTokens: 300, seed: i));
            started.Signal();
            return await StreamedCompletion.ReadAsync(response);
        }))];
        Assert.True(started.Wait(TimeSpan.FromSeconds(60)), "the streams did not start");

        // 8 x 300 tokens take seconds: SIGTERM lands while they run.
        Task<int> stopping = server.StopGracefullyAsync(TimeSpan.FromSeconds(60));
        StreamedCompletion[] done = await Task.WhenAll(inFlight);
        Assert.All(done, r =>
        {
            Assert.True(r.SawDone, "an accepted stream was cut by the shutdown");
            Assert.Contains(r.FinishReason, new[] { "stop", "length" });
        });
        Assert.Equal(0, await stopping);
        Assert.Contains("shutting down: 8 requests in flight", server.Output, StringComparison.Ordinal);
    }
}
