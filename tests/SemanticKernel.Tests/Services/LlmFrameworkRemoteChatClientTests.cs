using System.Net;
using System.Text;
using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Services;
using LlmFramework.SemanticKernel.Settings;
using LlmFramework.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Tests.Services;

/// <summary>The remote clients against <see cref="OpenAiTestServer"/>, which answers from the in-process engine.</summary>
[Collection(EngineCollection.Name)]
public sealed class LlmFrameworkRemoteChatClientTests(EngineFixture fixture) : IAsyncLifetime
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "Where did the road lead?")];
    private static readonly ChatOptions Greedy = new() { MaxOutputTokens = 20, Temperature = 0 };
    private OpenAiTestServer? _server;

    private OpenAiTestServer Server => _server!;

    public async Task InitializeAsync() => _server = await OpenAiTestServer.StartAsync(fixture.Chat, fixture.Embeddings, fixture.Engine.ModelId);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    [Theory]
    [InlineData(RemoteTransport.Sse)]
    [InlineData(RemoteTransport.MessagePack)]
    public async Task A_whole_reply_matches_the_in_process_greedy_reply(RemoteTransport transport)
    {
        ChatResponse local = await fixture.Chat.GetResponseAsync(Question, Greedy);
        using var remote = Client(transport);
        ChatResponse response = await remote.GetResponseAsync(Question, Greedy);
        Assert.Equal(local.Text, response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(local.Usage!.InputTokenCount, response.Usage!.InputTokenCount);
        Assert.Equal(20, response.Usage.OutputTokenCount);
        Assert.Equal("default", response.ModelId);
    }

    [Theory]
    [InlineData(RemoteTransport.Sse)]
    [InlineData(RemoteTransport.MessagePack)]
    public async Task A_streamed_reply_arrives_in_pieces_that_add_up_to_the_greedy_reply(RemoteTransport transport)
    {
        ChatResponse local = await fixture.Chat.GetResponseAsync(Question, Greedy);
        using var remote = Client(transport);
        var text = new StringBuilder();
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate u in remote.GetStreamingResponseAsync(Question, Greedy))
        {
            updates.Add(u);
            text.Append(u.Text);
        }

        Assert.True(updates.Count > 5, $"only {updates.Count} updates");
        Assert.Equal(local.Text, text.ToString());
        Assert.Contains(updates, u => u.FinishReason == ChatFinishReason.Length);
        Assert.Equal(20, updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details.OutputTokenCount);
    }

    [Fact]
    public async Task Reasoning_content_becomes_text_reasoning_content_streamed_and_whole()
    {
        using var remote = Client(RemoteTransport.Sse, OpenAiTestServer.ScriptedReasoningModel);
        var reasoning = new StringBuilder();
        await foreach (ChatResponseUpdate u in remote.GetStreamingResponseAsync(Question))
        {
            reasoning.Append(string.Concat(u.Contents.OfType<TextReasoningContent>().Select(r => r.Text)));
        }

        Assert.Equal("The user greets; greet back.", reasoning.ToString());
        ChatResponse whole = await remote.GetResponseAsync(Question);
        Assert.Equal("Hello!", whole.Text);
        Assert.Equal("The user greets; greet back.", whole.Messages[0].Contents.OfType<TextReasoningContent>().Single().Text);
    }

    [Theory]
    [InlineData(RemoteTransport.Sse)]
    [InlineData(RemoteTransport.MessagePack)]
    public async Task Cancelling_mid_stream_aborts_the_http_request(RemoteTransport transport)
    {
        // The slow model streams at most 50 pieces a second: 450 pieces would take 9 s, so the server is still
        // answering when the client cancels, and sees the request aborted. (The engine itself runs ahead of the
        // paced reader; that a cancelled in-process stream frees its blocks is pinned by the in-process tests.)
        var engine = fixture.Engine.Engine;
        int abortedBefore = Server.AbortedRequests;
        using var remote = Client(transport, OpenAiTestServer.SlowModel);
        using var cts = new CancellationTokenSource();
        int updates = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate u in remote.GetStreamingResponseAsync(Question, new ChatOptions { MaxOutputTokens = 450, Temperature = 0 }, cts.Token))
            {
                if (++updates == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.Equal(2, updates);
        await Eventually.TrueAsync(() => Server.AbortedRequests == abortedBefore + 1, "the server sees the request aborted", timeoutMs: 5_000);
        Assert.True(started.ElapsedMilliseconds < 6_000, $"took {started.ElapsedMilliseconds} ms");
        await Eventually.TrueAsync(() => engine.KvCache.Allocator.FreeBlocks == engine.KvCache.Allocator.TotalBlocks, "all KV blocks free again");
    }

    [Fact]
    public async Task A_wrong_api_key_is_a_server_exception_with_the_servers_message_and_status()
    {
        using var remote = new LlmFrameworkRemoteChatClient(new LlmFrameworkRemoteOptions { Endpoint = Server.Endpoint, ApiKey = "wrong" });
        var ex = await Assert.ThrowsAsync<LlmFrameworkServerException>(() => remote.GetResponseAsync(Question));
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        Assert.Equal("invalid API key", ex.Message);
        Assert.Equal(("invalid_request_error", "invalid_api_key"), (ex.ErrorType, ex.ErrorCode));
        await Assert.ThrowsAsync<LlmFrameworkServerException>(async () =>
        {
            await foreach (ChatResponseUpdate u in remote.GetStreamingResponseAsync(Question))
            {
            }
        });
    }

    [Fact]
    public async Task A_request_the_server_refuses_is_a_server_exception_with_its_message()
    {
        using var remote = Client(RemoteTransport.Sse);
        var ex = await Assert.ThrowsAsync<LlmFrameworkServerException>(() => remote.GetResponseAsync(Question, new ChatOptions { TopP = 2f }));
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.Contains("top_p must be in (0, 1]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_binary_route_refuses_penalties_it_cannot_carry_before_sending()
    {
        using var remote = Client(RemoteTransport.MessagePack);
        var ex = await Assert.ThrowsAsync<NotSupportedException>(() => remote.GetResponseAsync(Question, new ChatOptions { PresencePenalty = 0.5f }));
        Assert.Contains("use RemoteTransport.Sse", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_model_list_and_the_metadata_name_the_served_model_and_the_endpoint()
    {
        using var remote = Client(RemoteTransport.Sse, modelId: "default");
        Assert.Equal(["default"], await remote.GetModelsAsync());
        var metadata = Assert.IsType<ChatClientMetadata>(remote.GetService(typeof(ChatClientMetadata)));
        Assert.Equal(("LlmFramework", "default"), (metadata.ProviderName, metadata.DefaultModelId));
        Assert.Equal(Server.Endpoint.AbsoluteUri + "/", metadata.ProviderUri!.AbsoluteUri);
    }

    [Fact]
    public async Task Remote_embeddings_equal_the_in_process_ones()
    {
        string[] texts = ["The sea was calm.", "Emma sat in mournful thought."];
        using var remote = new LlmFrameworkRemoteEmbeddingGenerator(new LlmFrameworkRemoteOptions { Endpoint = Server.Endpoint, ApiKey = OpenAiTestServer.ApiKey });
        GeneratedEmbeddings<Embedding<float>> far = await remote.GenerateAsync(texts);
        GeneratedEmbeddings<Embedding<float>> near = await fixture.Embeddings.GenerateAsync(texts);
        Assert.Equal(2, far.Count);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(near[i].Vector.ToArray(), far[i].Vector.ToArray());
        }

        Assert.Equal(near.Usage!.InputTokenCount, far.Usage!.InputTokenCount);
    }

    [Fact]
    public void Bad_remote_settings_are_errors_naming_the_setting()
    {
        var missing = Assert.Throws<ArgumentException>(() => new LlmFrameworkRemoteChatClient(new LlmFrameworkRemoteOptions()));
        Assert.Contains("LlmFrameworkRemoteOptions.Endpoint is not set", missing.Message, StringComparison.Ordinal);
        var scheme = Assert.Throws<ArgumentException>(() => new LlmFrameworkRemoteChatClient(new LlmFrameworkRemoteOptions { Endpoint = new Uri("ftp://host/v1") }));
        Assert.Contains("absolute http or https address", scheme.Message, StringComparison.Ordinal);
    }

    private LlmFrameworkRemoteChatClient Client(RemoteTransport transport, string? modelId = null) =>
        new(new LlmFrameworkRemoteOptions { Endpoint = Server.Endpoint, ApiKey = OpenAiTestServer.ApiKey, Transport = transport, ModelId = modelId });
}
