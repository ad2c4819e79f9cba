using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Extensions;
using LlmFramework.SemanticKernel.Services;
using LlmFramework.SemanticKernel.Settings;
using LlmFramework.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel.ChatCompletion;

namespace LlmFramework.SemanticKernel.Tests.Extensions;

[Collection(EngineCollection.Name)]
public sealed class LlmFrameworkServiceCollectionExtensionsTests
{
    [Fact]
    public async Task In_process_services_share_one_engine_that_is_disposed_with_the_container()
    {
        var services = new ServiceCollection()
            .AddLlmFrameworkChatClient()
            .AddLlmFrameworkEmbeddingGenerator()
            .AddLlmFrameworkChatCompletion();
        InProcessEngine engine;
        await using (ServiceProvider provider = services.BuildServiceProvider())
        {
            var chat = provider.GetRequiredService<IChatClient>();
            var embeddings = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
            var completion = provider.GetRequiredService<IChatCompletionService>();
            engine = Assert.IsType<InProcessEngine>(chat.GetService(typeof(InProcessEngine)));
            Assert.Same(engine, embeddings.GetService(typeof(InProcessEngine)));
            Assert.IsType<LlmFrameworkChatClient>(chat);
            Assert.Equal(256, (await embeddings.GenerateAsync(["x"]))[0].Dimensions);
            Assert.NotNull((await completion.GetChatMessageContentAsync("Hello")).Content);
        }

        Assert.Throws<ObjectDisposedException>(() => engine.Engine.GenerateAsync(new() { PromptTokens = [1] }));
    }

    [Fact]
    public async Task A_different_configuration_gets_its_own_engine()
    {
        var services = new ServiceCollection()
            .AddLlmFrameworkChatClient(serviceId: "a")
            .AddLlmFrameworkChatClient(new LlmFrameworkInProcessOptions { Overrides = { "LlmFramework:Generation:MaxTokens=3" } }, serviceId: "b");
        await using ServiceProvider provider = services.BuildServiceProvider();
        var a = provider.GetRequiredKeyedService<IChatClient>("a");
        var b = provider.GetRequiredKeyedService<IChatClient>("b");
        Assert.NotSame(a.GetService(typeof(InProcessEngine)), b.GetService(typeof(InProcessEngine)));
        ChatResponse shortReply = await b.GetResponseAsync("Hello");
        Assert.Equal(3, shortReply.Usage!.OutputTokenCount);
    }

    [Fact]
    public async Task A_bad_configuration_is_reported_when_the_service_is_resolved_naming_the_key()
    {
        var services = new ServiceCollection().AddLlmFrameworkChatClient(new LlmFrameworkInProcessOptions { Overrides = { "LlmFramework:Generation:TopP=3" } });
        await using ServiceProvider provider = services.BuildServiceProvider();
        var ex = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IChatClient>());
        Assert.Contains("LlmFramework:Generation:TopP must be in (0, 1], got 3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_registrations_resolve_remote_clients_with_the_chosen_transport()
    {
        var endpoint = new Uri("http://127.0.0.1:9/v1");
        var services = new ServiceCollection()
            .AddLlmFrameworkChatClient(endpoint, "k", RemoteTransport.MessagePack)
            .AddLlmFrameworkEmbeddingGenerator(endpoint, "k")
            .AddLlmFrameworkChatCompletion(endpoint, "k", serviceId: "remote");
        await using ServiceProvider provider = services.BuildServiceProvider();
        var chat = Assert.IsType<LlmFrameworkRemoteChatClient>(provider.GetRequiredService<IChatClient>());
        Assert.Equal(RemoteTransport.MessagePack, chat.Options.Transport);
        Assert.IsType<LlmFrameworkRemoteEmbeddingGenerator>(provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.NotNull(provider.GetRequiredKeyedService<IChatCompletionService>("remote"));
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddLlmFrameworkChatClient(new LlmFrameworkRemoteOptions()));
    }
}
