using System.Text.Json;
using LlmFramework.SemanticKernel.Core;
using Microsoft.Extensions.AI;

namespace LlmFramework.SemanticKernel.Tests.Core;

public sealed class OpenAiChatWireTests
{
    [Fact]
    public void The_request_carries_every_chat_option_under_its_OpenAI_name()
    {
        var options = new ChatOptions
        {
            MaxOutputTokens = 7,
            Temperature = 0.5f,
            TopP = 0.9f,
            TopK = 12,
            FrequencyPenalty = 0.25f,
            PresencePenalty = -0.5f,
            Seed = 99,
            StopSequences = ["\n\n", "END"],
        };
        byte[] json = OpenAiChatWire.WriteRequest([new ChatMessage(ChatRole.System, "be brief"), new ChatMessage(ChatRole.User, "hi")], options, "m1", stream: true);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement r = doc.RootElement;
        Assert.Equal("m1", r.GetProperty("model").GetString());
        Assert.Equal(["system", "user"], r.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("hi", r.GetProperty("messages")[1].GetProperty("content").GetString());
        Assert.True(r.GetProperty("stream").GetBoolean());
        Assert.True(r.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(7, r.GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.5f, r.GetProperty("temperature").GetSingle());
        Assert.Equal(0.9f, r.GetProperty("top_p").GetSingle());
        Assert.Equal(12, r.GetProperty("top_k").GetInt32());
        Assert.Equal(0.25f, r.GetProperty("frequency_penalty").GetSingle());
        Assert.Equal(-0.5f, r.GetProperty("presence_penalty").GetSingle());
        Assert.Equal(99, r.GetProperty("seed").GetInt64());
        Assert.Equal(["\n\n", "END"], r.GetProperty("stop").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public void Unset_options_are_left_out_so_the_server_defaults_apply()
    {
        using JsonDocument doc = JsonDocument.Parse(OpenAiChatWire.WriteRequest([new ChatMessage(ChatRole.User, "hi")], null, null, stream: false));
        Assert.Equal(["model", "messages", "stream"], doc.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void A_chunk_maps_reasoning_content_text_finish_reason_and_usage()
    {
        using JsonDocument doc = JsonDocument.Parse("""
            {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"m",
             "choices":[{"index":0,"delta":{"reasoning_content":"think","content":"say"},"finish_reason":"length"}],
             "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}
            """);
        ChatResponseUpdate u = OpenAiChatWire.ReadChunk(doc.RootElement);
        Assert.Equal("think", Assert.IsType<TextReasoningContent>(u.Contents[0]).Text);
        Assert.Equal("say", Assert.IsType<TextContent>(u.Contents[1]).Text);
        UsageDetails usage = Assert.IsType<UsageContent>(u.Contents[2]).Details;
        Assert.Equal((3L, 4L, 7L), (usage.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount));
        Assert.Equal(ChatFinishReason.Length, u.FinishReason);
        Assert.Equal(("c1", "m"), (u.ResponseId, u.ModelId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), u.CreatedAt);
    }

    [Fact]
    public void A_whole_completion_maps_message_reasoning_finish_reason_and_usage()
    {
        using JsonDocument doc = JsonDocument.Parse("""
            {"id":"c2","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"done","reasoning_content":"why"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}
            """);
        ChatResponse r = OpenAiChatWire.ReadCompletion(doc.RootElement);
        Assert.Equal("done", r.Text);
        Assert.Equal("why", r.Messages[0].Contents.OfType<TextReasoningContent>().Single().Text);
        Assert.Equal(ChatFinishReason.Stop, r.FinishReason);
        Assert.Equal(6, r.Usage!.TotalTokenCount);
    }
}
