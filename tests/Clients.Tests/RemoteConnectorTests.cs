using System.Net;
using System.Text;
using LlmFramework.Clients.Tests.Support;
using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Extensions;
using LlmFramework.SemanticKernel.Services;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace LlmFramework.Clients.Tests;

/// <summary>Our own connector (src/SemanticKernel) against the real running host, over SSE and over MessagePack.</summary>
public sealed class RemoteConnectorTests(DefaultModelServer fixture) : IClassFixture<DefaultModelServer>
{
    private LlmFrameworkRemoteChatClient Chat(RemoteTransport transport, string? model = null) => new(new LlmFrameworkRemoteOptions
    {
        Endpoint = fixture.Server.V1,
        ApiKey = DefaultModelServer.ApiKey,
        Transport = transport,
        ModelId = model,
    });

    private static readonly ChatMessage[] Conversation = [new(ChatRole.System, "You tell stories."), new(ChatRole.User, "Tell me about the old house.")];

    private static ChatOptions Greedy(int maxTokens) => new() { MaxOutputTokens = maxTokens, Temperature = 0, Seed = 7 };

    [Theory]
    [InlineData(RemoteTransport.Sse)]
    [InlineData(RemoteTransport.MessagePack)]
    public async Task A_whole_reply_and_a_stream_agree_and_both_transports_say_the_same(RemoteTransport transport)
    {
        using LlmFrameworkRemoteChatClient client = Chat(transport);
        ChatResponse reply = await client.GetResponseAsync(Conversation, Greedy(16));
        Assert.False(string.IsNullOrEmpty(reply.Text));
        Assert.InRange(reply.Usage?.OutputTokenCount ?? 0, 1, 16);

        var streamed = new StringBuilder();
        int updates = 0;
        await foreach (ChatResponseUpdate u in client.GetStreamingResponseAsync(Conversation, Greedy(16)))
        {
            streamed.Append(u.Text);
            updates++;
        }

        Assert.True(updates >= 2);
        Assert.Equal(reply.Text, streamed.ToString());

        using LlmFrameworkRemoteChatClient sse = Chat(RemoteTransport.Sse);
        Assert.Equal((await sse.GetResponseAsync(Conversation, Greedy(16))).Text, reply.Text);
    }

    [Theory]
    [InlineData(RemoteTransport.Sse)]
    [InlineData(RemoteTransport.MessagePack)]
    public async Task Cancelling_a_remote_stream_cancels_it_on_the_server(RemoteTransport transport)
    {
        using HttpClient http = fixture.CreateClient();
        double cancelledBefore = (await PrometheusText.ScrapeAsync(http)).Sum("llmf_requests_total", "outcome=\"cancelled\"");
        // Six long streams beside it keep the engine busy, so the stream under test is still running when it is cancelled.
        Task<StreamedCompletion>[] busy = [.. Enumerable.Range(0, 6).Select(i => StreamedCompletion.ReadAsync(http, StreamedCompletion.Body(fixture.ModelId, $"Keep busy {i}.", maxTokens: 450, seed: i)))];
        using LlmFrameworkRemoteChatClient client = Chat(transport);
        using var cts = new CancellationTokenSource();
        int updates = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate u in client.GetStreamingResponseAsync(Conversation, Greedy(450), cts.Token))
            {
                if (++updates == 3)
                {
                    cts.Cancel();
                }
            }
        });

        Assert.All(await Task.WhenAll(busy), r => Assert.True(r.SawDone));
        await ServerWaits.HoldsAsync(
            async () =>
            {
                PrometheusText m = await PrometheusText.ScrapeAsync(http);
                return m.Sum("llmf_requests_total", "outcome=\"cancelled\"") > cancelledBefore && m.Sum("llmf_kv_blocks_used") == 0;
            },
            async () =>
            {
                PrometheusText m = await PrometheusText.ScrapeAsync(http);
                return $"the server did not cancel the abandoned stream and free its blocks (cancelled {m.Sum("llmf_requests_total", "outcome=\"cancelled\"")}, before {cancelledBefore}; blocks used {m.Sum("llmf_kv_blocks_used")}; {updates} updates read)";
            });
    }

    [Fact]
    public async Task Remote_embeddings_are_unit_vectors_of_the_hidden_size()
    {
        using var generator = new LlmFrameworkRemoteEmbeddingGenerator(new LlmFrameworkRemoteOptions { Endpoint = fixture.Server.V1, ApiKey = DefaultModelServer.ApiKey });
        GeneratedEmbeddings<Embedding<float>> vectors = await generator.GenerateAsync(["a cat sat on the mat", "the ship sailed at dawn"]);
        Assert.Equal(2, vectors.Count);
        Assert.All(vectors, v =>
        {
            Assert.Equal(256, v.Vector.Length);
            Assert.Equal(1.0, Math.Sqrt(v.Vector.ToArray().Sum(x => (double)x * x)), 1e-4);
        });
    }

    [Theory]
    [InlineData(RemoteTransport.Sse)]
    [InlineData(RemoteTransport.MessagePack)]
    public async Task Server_errors_arrive_with_their_status_and_message(RemoteTransport transport)
    {
        using LlmFrameworkRemoteChatClient client = Chat(transport, model: "no-such-model");
        LlmFrameworkServerException error = await Assert.ThrowsAsync<LlmFrameworkServerException>(() => client.GetResponseAsync(Conversation, Greedy(4)));
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("no-such-model", error.Message, StringComparison.Ordinal);

        using var wrongKey = new LlmFrameworkRemoteChatClient(new LlmFrameworkRemoteOptions { Endpoint = fixture.Server.V1, ApiKey = "wrong", Transport = transport });
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<LlmFrameworkServerException>(() => wrongKey.GetResponseAsync(Conversation, Greedy(4)))).StatusCode);
    }

    [Fact]
    public async Task A_kernel_prompt_runs_through_the_remote_registration()
    {
        Kernel kernel = Kernel.CreateBuilder()
            .AddLlmFrameworkChatCompletion(fixture.Server.V1, DefaultModelServer.ApiKey, RemoteTransport.MessagePack)
            .Build();
        FunctionResult result = await kernel.InvokePromptAsync("Write one sentence about the sea.", new KernelArguments(new PromptExecutionSettings { ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 12, ["temperature"] = 0 } }));
        Assert.False(string.IsNullOrWhiteSpace(result.GetValue<string>()));
    }
}
