using System.Text.Json;
using LlmFramework.Clients.Tests.Support;

namespace LlmFramework.Clients.Tests;

/// <summary>The running host driven by the official OpenAI SDK for Node (openai 6.49.0), streaming and not.</summary>
public sealed class NodeOpenAiSdkTests(DefaultModelServer fixture) : IClassFixture<DefaultModelServer>
{
    [Fact]
    public async Task The_node_sdk_can_list_chat_stream_complete_embed_and_sees_openai_errors()
    {
        (int code, string stdout, string stderr) = await NodeClient.RunAsync("openai-sdk.mjs", fixture.Server.V1.ToString().TrimEnd('/'), DefaultModelServer.ApiKey);
        Assert.True(code == 0, $"node exited with {code}: {stderr}\n{stdout}\nserver:\n{fixture.Server.Output}");
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement r = doc.RootElement;

        Assert.Equal(fixture.ModelId, r.GetProperty("models")[0].GetProperty("id").GetString());
        Assert.Equal("model", r.GetProperty("models")[0].GetProperty("object").GetString());

        JsonElement chat = r.GetProperty("chat");
        Assert.Equal("chat.completion", chat.GetProperty("object").GetString());
        Assert.Equal("assistant", chat.GetProperty("role").GetString());
        Assert.False(string.IsNullOrEmpty(chat.GetProperty("content").GetString()));
        Assert.Contains(chat.GetProperty("finish").GetString(), new[] { "stop", "length" });
        int completionTokens = chat.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.InRange(completionTokens, 1, 16);
        Assert.Equal(chat.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + completionTokens, chat.GetProperty("usage").GetProperty("total_tokens").GetInt32());

        // Greedy with the same seed: the stream spells out the same text, and the usage chunk agrees.
        JsonElement stream = r.GetProperty("stream");
        Assert.Equal(chat.GetProperty("content").GetString(), stream.GetProperty("text").GetString());
        Assert.Equal(chat.GetProperty("finish").GetString(), stream.GetProperty("finish").GetString());
        Assert.Equal(completionTokens, stream.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.True(stream.GetProperty("chunks").GetInt32() >= 2);
        Assert.Equal(["chat.completion.chunk"], stream.GetProperty("objects").EnumerateArray().Select(e => e.GetString() ?? "").ToArray());

        JsonElement[] logprobs = [.. r.GetProperty("logprobs").EnumerateArray()];
        Assert.InRange(logprobs.Length, 1, 4);
        foreach (JsonElement t in logprobs)
        {
            double[] top = [.. t.GetProperty("top").EnumerateArray().Select(x => x.GetDouble())];
            Assert.Equal(3, top.Length);
            Assert.True(t.GetProperty("logprob").GetDouble() <= 0);
            Assert.Equal(top[0], t.GetProperty("logprob").GetDouble(), 1e-4); // greedy: the chosen token is the most likely
        }

        JsonElement[] n = [.. r.GetProperty("n").EnumerateArray()];
        Assert.Equal([0, 1], n.Select(c => c.GetProperty("index").GetInt32()).ToArray());

        JsonElement completion = r.GetProperty("completion");
        Assert.Equal("text_completion", completion.GetProperty("object").GetString());
        Assert.False(string.IsNullOrEmpty(completion.GetProperty("text").GetString()));
        Assert.Equal(completion.GetProperty("text").GetString(), r.GetProperty("completionStream").GetString());

        JsonElement embeddings = r.GetProperty("embeddings");
        Assert.Equal(2, embeddings.GetProperty("count").GetInt32());
        Assert.Equal(256, embeddings.GetProperty("dims").GetInt32()); // the default model's hidden size
        Assert.Equal(1.0, embeddings.GetProperty("norm").GetDouble(), 1e-4);
        Assert.True(r.GetProperty("embeddingsAgree").GetDouble() < 1e-6, "base64 and float embeddings must agree");

        Assert.Equal(404, r.GetProperty("missingModel").GetProperty("status").GetInt32());
        Assert.Contains("no-such-model", r.GetProperty("missingModel").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, r.GetProperty("badN").GetProperty("status").GetInt32());
        Assert.Contains("n", r.GetProperty("badN").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, r.GetProperty("badTemperature").GetProperty("status").GetInt32());
        Assert.Contains("temperature", r.GetProperty("badTemperature").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(401, r.GetProperty("wrongKey").GetProperty("status").GetInt32());
    }
}
