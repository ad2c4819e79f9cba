using System.Text;
using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Services;
using LlmFramework.SemanticKernel.Tests.Support;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Tests.Services;

[Collection(EngineCollection.Name)]
public sealed class LlmFrameworkChatClientTests(EngineFixture fixture)
{
    private static readonly ChatMessage[] Question = [new(ChatRole.User, "Tell me about the old house on the hill.")];
    private readonly LlmFrameworkChatClient _chat = fixture.Chat;

    [Fact]
    public async Task A_reply_is_assistant_text_with_usage_the_model_id_and_finish_reason_length_at_max_tokens()
    {
        ChatResponse response = await _chat.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 12, Temperature = 0 });
        ChatMessage message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(12, response.Usage!.OutputTokenCount);
        int promptTokens = GenerationRequestFactory.Create(fixture.Engine, Question, null).PromptTokens.Count;
        Assert.Equal(promptTokens, response.Usage.InputTokenCount);
        Assert.Equal(promptTokens + 12, response.Usage.TotalTokenCount);
        Assert.Equal("default", response.ModelId);
        Assert.StartsWith("chatcmpl-", response.ResponseId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prompt_is_the_models_chat_template_ending_with_the_assistant_turn()
    {
        // The default model's GGUF carries the template of its tokenizer_config.json ("User: ...\n\nAssistant:").
        Assert.False(fixture.Engine.UsesFallbackTemplate);
        var request = GenerationRequestFactory.Create(fixture.Engine, [new ChatMessage(ChatRole.System, "Be kind."), .. Question], null);
        string prompt = fixture.Engine.Runtime.Model.Tokenizer.Decode([.. request.PromptTokens]);
        Assert.Contains("Be kind.", prompt, StringComparison.Ordinal);
        Assert.Contains("User: Tell me about the old house on the hill.", prompt, StringComparison.Ordinal);
        Assert.EndsWith("Assistant:", prompt, StringComparison.Ordinal);
        Assert.Equal(fixture.Engine.Runtime.Model.Tokenizer.BosId, request.PromptTokens[0]);
        Assert.NotEqual(request.PromptTokens[0], request.PromptTokens[1]);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Streaming_gives_the_same_greedy_text_and_usage_as_a_whole_reply()
    {
        var options = new ChatOptions { MaxOutputTokens = 24, Temperature = 0 };
        ChatResponse whole = await _chat.GetResponseAsync(Question, options);
        var streamed = new StringBuilder();
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate update in _chat.GetStreamingResponseAsync(Question, options))
        {
            updates.Add(update);
            streamed.Append(update.Text);
        }

        Assert.True(updates.Count > 5, $"only {updates.Count} updates");
        Assert.Equal(whole.Text, streamed.ToString());
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.FinishReason));
        Assert.Equal(ChatFinishReason.Length, updates[^1].FinishReason);
        UsageDetails usage = updates[^1].Contents.OfType<UsageContent>().Single().Details;
        Assert.Equal(whole.Usage!.OutputTokenCount, usage.OutputTokenCount);
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_sampled_text_and_another_seed_another()
    {
        ChatOptions Seeded(long seed) => new() { MaxOutputTokens = 32, Temperature = 1.0f, TopK = 0, TopP = 1f, Seed = seed };
        string a = (await _chat.GetResponseAsync(Question, Seeded(42))).Text;
        string b = (await _chat.GetResponseAsync(Question, Seeded(42))).Text;
        string c = (await _chat.GetResponseAsync(Question, Seeded(43))).Text;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task A_stop_sequence_ends_the_reply_before_it_with_finish_reason_stop()
    {
        string greedy = (await _chat.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 24, Temperature = 0 })).Text;
        string[] words = greedy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string stop = words[words.Length / 2];
        int cut = greedy.IndexOf(stop, StringComparison.Ordinal);
        ChatResponse stopped = await _chat.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 24, Temperature = 0, StopSequences = [stop] });
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
        Assert.Equal(greedy[..cut].TrimEnd(), stopped.Text.TrimEnd());
        Assert.DoesNotContain(stop, stopped.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_mid_stream_throws_and_frees_the_generations_kv_blocks()
    {
        var engine = fixture.Engine.Engine;
        long cancelledBefore = engine.Metrics.RequestsCancelled;
        using var cts = new CancellationTokenSource();
        int updates = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate update in _chat.GetStreamingResponseAsync(Question, new ChatOptions { MaxOutputTokens = 400, Temperature = 0 }, cts.Token))
            {
                if (++updates == 3)
                {
                    Assert.True(engine.KvCache.Allocator.UsedBlocks > 0, "the running generation holds KV blocks");
                    await cts.CancelAsync();
                }
            }
        });
        Assert.Equal(3, updates);
        Assert.Equal(cancelledBefore + 1, engine.Metrics.RequestsCancelled);
        await Eventually.TrueAsync(() => engine.Metrics.RunningSequences == 0 && engine.KvCache.Allocator.FreeBlocks == engine.KvCache.Allocator.TotalBlocks, "all KV blocks free again");
    }

    [Fact]
    public async Task Leaving_a_stream_early_stops_the_generation()
    {
        var engine = fixture.Engine.Engine;
        long cancelledBefore = engine.Metrics.RequestsCancelled;
        long generatedBefore = engine.Metrics.GeneratedTokens;
        await foreach (ChatResponseUpdate update in _chat.GetStreamingResponseAsync(Question, new ChatOptions { MaxOutputTokens = 400, Temperature = 0 }))
        {
            break;
        }

        await Eventually.TrueAsync(() => engine.Metrics.RequestsCancelled == cancelledBefore + 1, "the abandoned generation is cancelled");
        await Eventually.TrueAsync(() => engine.KvCache.Allocator.FreeBlocks == engine.KvCache.Allocator.TotalBlocks, "all KV blocks free again");
        Assert.True(engine.Metrics.GeneratedTokens - generatedBefore < 400, "it did not run to max tokens");
    }

    [Fact]
    public async Task Bad_options_are_errors_that_name_the_option()
    {
        var zero = await Assert.ThrowsAsync<ArgumentException>(() => _chat.GetResponseAsync(Question, new ChatOptions { MaxOutputTokens = 0 }));
        Assert.Contains("MaxOutputTokens must be at least 1, got 0", zero.Message, StringComparison.Ordinal);
        var topP = await Assert.ThrowsAsync<ArgumentException>(() => _chat.GetResponseAsync(Question, new ChatOptions { TopP = 1.5f }));
        Assert.Contains("top_p must be in (0, 1]", topP.Message, StringComparison.Ordinal);
        var penalty = await Assert.ThrowsAsync<ArgumentException>(() => _chat.GetResponseAsync(Question, new ChatOptions { FrequencyPenalty = 3f }));
        Assert.Contains("frequency_penalty must be in [-2, 2]", penalty.Message, StringComparison.Ordinal);
        var image = await Assert.ThrowsAsync<NotSupportedException>(() => _chat.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1 }, "image/png")])]));
        Assert.Contains("messages[0] holds DataContent", image.Message, StringComparison.Ordinal);
        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() => _chat.GetResponseAsync([new ChatMessage(ChatRole.User, string.Join(' ', Enumerable.Repeat("word", 2000)))]));
        Assert.Contains("context length is 512", tooLong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_names_the_provider_the_model_file_and_the_model_id()
    {
        var metadata = Assert.IsType<ChatClientMetadata>(_chat.GetService(typeof(ChatClientMetadata)));
        Assert.Equal("LlmFramework", metadata.ProviderName);
        Assert.Equal("default", metadata.DefaultModelId);
        Assert.True(metadata.ProviderUri!.IsFile);
        Assert.EndsWith("models/default/model.gguf", metadata.ProviderUri.AbsolutePath, StringComparison.Ordinal);
        Assert.Same(fixture.Engine, _chat.GetService(typeof(InProcessEngine)));
        Assert.Same(_chat, _chat.GetService(typeof(IChatClient)));
        Assert.Null(_chat.GetService(typeof(ChatClientMetadata), "some key"));
    }
}
