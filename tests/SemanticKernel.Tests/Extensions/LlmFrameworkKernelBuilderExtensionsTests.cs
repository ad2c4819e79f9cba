using System.Text;
using LlmFramework.SemanticKernel.Extensions;
using LlmFramework.SemanticKernel.Settings;
using LlmFramework.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;

namespace LlmFramework.SemanticKernel.Tests.Extensions;

[Collection(EngineCollection.Name)]
public sealed class LlmFrameworkKernelBuilderExtensionsTests(EngineFixture fixture)
{
    private static readonly PromptExecutionSettings Greedy = new() { ExtensionData = new Dictionary<string, object> { ["max_tokens"] = 16, ["temperature"] = 0.0 } };

    [Fact]
    public async Task A_prompt_function_runs_through_the_chat_completion_service_whole_and_streamed()
    {
        Kernel kernel = Kernel.CreateBuilder().AddLlmFrameworkChatCompletion().Build();
        try
        {
            var arguments = new KernelArguments(Greedy) { ["place"] = "the old mill" };
            FunctionResult whole = await kernel.InvokePromptAsync("Tell me about {{$place}}.", arguments);
            string text = whole.GetValue<string>()!;
            Assert.False(string.IsNullOrWhiteSpace(text));

            var streamed = new StringBuilder();
            await foreach (StreamingKernelContent chunk in kernel.InvokePromptStreamingAsync("Tell me about {{$place}}.", arguments))
            {
                streamed.Append(chunk);
            }

            Assert.Equal(text, streamed.ToString());

            // The kernel's rendered prompt is the user message of the same chat the in-process client answers.
            ChatResponse direct = await fixture.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Tell me about the old mill.")], new ChatOptions { MaxOutputTokens = 16, Temperature = 0 });
            Assert.Equal(direct.Text, text);
        }
        finally
        {
            (kernel.Services as IDisposable)?.Dispose();
        }
    }

    [Fact]
    public async Task Keyed_registrations_are_found_by_service_id_and_share_one_engine()
    {
        Kernel kernel = Kernel.CreateBuilder()
            .AddLlmFrameworkChatCompletion(serviceId: "local")
            .AddLlmFrameworkChatClient(new LlmFrameworkInProcessOptions(), serviceId: "local")
            .AddLlmFrameworkEmbeddingGenerator(serviceId: "local")
            .Build();
        try
        {
            var service = kernel.GetRequiredService<IChatCompletionService>("local");
            var client = kernel.Services.GetRequiredKeyedService<IChatClient>("local");
            var embeddings = kernel.Services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("local");
            Assert.Null(kernel.Services.GetService<IChatClient>());
            object? engine = client.GetService(typeof(LlmFramework.SemanticKernel.Core.InProcessEngine));
            Assert.NotNull(engine);
            Assert.Same(engine, embeddings.GetService(typeof(LlmFramework.SemanticKernel.Core.InProcessEngine)));
            ChatMessageContent reply = await service.GetChatMessageContentAsync("Once upon a time", Greedy);
            Assert.False(string.IsNullOrWhiteSpace(reply.Content));
            Assert.Equal("default", reply.ModelId);
        }
        finally
        {
            (kernel.Services as IDisposable)?.Dispose();
        }
    }
}
