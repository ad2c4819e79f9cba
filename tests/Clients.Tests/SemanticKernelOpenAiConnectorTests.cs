using System.ClientModel;
using System.Text;
using LlmFramework.Clients.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace LlmFramework.Clients.Tests;

/// <summary>The running host driven by Semantic Kernel's own OpenAI connector pointed at the local endpoint.</summary>
public sealed class SemanticKernelOpenAiConnectorTests(DefaultModelServer fixture) : IClassFixture<DefaultModelServer>
{
    private Kernel CreateKernel(string apiKey = DefaultModelServer.ApiKey) => Kernel.CreateBuilder()
        .AddOpenAIChatCompletion(modelId: fixture.ModelId, endpoint: fixture.Server.V1, apiKey: apiKey)
        .Build();

    private static ChatHistory Conversation()
    {
        var history = new ChatHistory();
        history.AddSystemMessage("You tell stories.");
        history.AddUserMessage("Tell me about the old house.");
        return history;
    }

    private static OpenAIPromptExecutionSettings Greedy(int maxTokens) => new() { MaxTokens = maxTokens, Temperature = 0, Seed = 7 };

    [Fact]
    public async Task Chat_and_streaming_chat_give_the_same_greedy_text()
    {
        IChatCompletionService chat = CreateKernel().GetRequiredService<IChatCompletionService>();
        ChatMessageContent reply = await chat.GetChatMessageContentAsync(Conversation(), Greedy(16));
        Assert.Equal(AuthorRole.Assistant, reply.Role);
        Assert.False(string.IsNullOrEmpty(reply.Content));

        var streamed = new StringBuilder();
        int chunks = 0;
        await foreach (StreamingChatMessageContent c in chat.GetStreamingChatMessageContentsAsync(Conversation(), Greedy(16)))
        {
            streamed.Append(c.Content);
            chunks++;
        }

        Assert.True(chunks >= 2, $"expected a stream of chunks, got {chunks}");
        Assert.Equal(reply.Content, streamed.ToString());
    }

    [Fact]
    public async Task A_prompt_function_runs_through_the_kernel()
    {
        Kernel kernel = CreateKernel();
        KernelFunction story = kernel.CreateFunctionFromPrompt("Write one sentence about {{$topic}}.", Greedy(12));
        FunctionResult result = await kernel.InvokeAsync(story, new KernelArguments { ["topic"] = "the sea" });
        string text = result.GetValue<string>() ?? "";
        Assert.False(string.IsNullOrWhiteSpace(text));

        var streamed = new StringBuilder();
        await foreach (string piece in kernel.InvokeStreamingAsync<string>(story, new KernelArguments { ["topic"] = "the sea" }))
        {
            streamed.Append(piece);
        }

        Assert.Equal(text, streamed.ToString());
    }

    [Fact]
    public async Task Embeddings_come_through_the_openai_client()
    {
        var client = new OpenAIClient(new ApiKeyCredential(DefaultModelServer.ApiKey), new OpenAIClientOptions { Endpoint = fixture.Server.V1 });
        IKernelBuilder builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(client.GetEmbeddingClient(fixture.ModelId).AsIEmbeddingGenerator());
        Kernel kernel = builder.Build();
        IEmbeddingGenerator<string, Embedding<float>> generator = kernel.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        GeneratedEmbeddings<Embedding<float>> vectors = await generator.GenerateAsync(["a cat sat on the mat", "the ship sailed at dawn"]);
        Assert.Equal(2, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(1.0, Math.Sqrt(v.Vector.ToArray().Sum(x => (double)x * x)), 1e-4));
    }

    [Fact]
    public async Task A_wrong_api_key_is_refused_with_401()
    {
        IChatCompletionService chat = CreateKernel("wrong-key").GetRequiredService<IChatCompletionService>();
        HttpOperationException error = await Assert.ThrowsAsync<HttpOperationException>(() => chat.GetChatMessageContentAsync(Conversation(), Greedy(4)));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, error.StatusCode);
    }
}
