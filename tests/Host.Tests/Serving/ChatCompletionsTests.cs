using System.Text.Json;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>POST /v1/chat/completions on the default model: answers, streaming, n, logprobs, stop, seeds, usage.</summary>
[Collection(ServingCollection.Name)]
public sealed class ChatCompletionsTests(SharedServer shared)
{
    private const string Path = "/v1/chat/completions";
    private readonly TestServer _server = shared.Server;

    private static string Request(string extra = "") =>
        "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Tell me about the sea.\"}],\"max_tokens\":8" + extra + "}";

    [Fact]
    public async Task A_chat_answer_has_the_openai_shape_and_usage()
    {
        JsonElement r = await _server.PostOkAsync(Path, Request(",\"temperature\":0"));
        Assert.Equal("chat.completion", r.GetProperty("object").GetString());
        Assert.StartsWith("chatcmpl-", r.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("default", r.GetProperty("model").GetString());
        JsonElement choice = Assert.Single(r.GetProperty("choices").EnumerateArray());
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.False(string.IsNullOrEmpty(choice.GetProperty("message").GetProperty("content").GetString()));
        Assert.Contains(choice.GetProperty("finish_reason").GetString(), new[] { "length", "stop" });
        JsonElement usage = r.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 5);
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 1, 8);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Streaming_gives_a_role_chunk_deltas_the_same_text_as_without_streaming_and_usage_last()
    {
        JsonElement whole = await _server.PostOkAsync(Path, Request(",\"temperature\":0"));
        List<string> events = await _server.StreamAsync(Path, Request(",\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        JsonElement[] chunks = [.. events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement.Clone())];
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        string text = string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Select(c => c.GetProperty("delta").TryGetProperty("content", out JsonElement t) ? t.GetString() : ""));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), text);
        JsonElement last = chunks[^2].GetProperty("choices")[0];
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("finish_reason").GetString(), last.GetProperty("finish_reason").GetString());
        Assert.Empty(chunks[^1].GetProperty("choices").EnumerateArray());
        Assert.Equal(whole.GetProperty("usage").GetRawText(), chunks[^1].GetProperty("usage").GetRawText());
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_text_and_n_choices_use_seed_plus_i()
    {
        string first = Text(await _server.PostOkAsync(Path, Request(",\"temperature\":1,\"seed\":42")));
        string again = Text(await _server.PostOkAsync(Path, Request(",\"temperature\":1,\"seed\":42")));
        Assert.Equal(first, again);

        JsonElement three = await _server.PostOkAsync(Path, Request(",\"temperature\":1,\"seed\":42,\"n\":3"));
        JsonElement[] choices = [.. three.GetProperty("choices").EnumerateArray()];
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(first, choices[0].GetProperty("message").GetProperty("content").GetString());
        string second = Text(await _server.PostOkAsync(Path, Request(",\"temperature\":1,\"seed\":43")));
        Assert.Equal(second, choices[1].GetProperty("message").GetProperty("content").GetString());
        Assert.InRange(three.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 3, 24);
    }

    [Fact]
    public async Task Streaming_n_choices_carries_every_index_and_a_finish_reason_for_each()
    {
        List<string> events = await _server.StreamAsync(Path, Request(",\"n\":2,\"stream\":true,\"seed\":7"));
        var finished = new HashSet<int>();
        foreach (string e in events.SkipLast(1))
        {
            foreach (JsonElement c in JsonDocument.Parse(e).RootElement.GetProperty("choices").EnumerateArray())
            {
                if (c.GetProperty("finish_reason").ValueKind == JsonValueKind.String)
                {
                    Assert.True(finished.Add(c.GetProperty("index").GetInt32()));
                }
            }
        }

        Assert.Equal([0, 1], finished.Order());
    }

    [Fact]
    public async Task Logprobs_come_per_token_with_bytes_and_top_alternatives_most_likely_first()
    {
        JsonElement r = await _server.PostOkAsync(Path, Request(",\"temperature\":0,\"logprobs\":true,\"top_logprobs\":3"));
        JsonElement choice = r.GetProperty("choices")[0];
        JsonElement[] content = [.. choice.GetProperty("logprobs").GetProperty("content").EnumerateArray()];
        Assert.Equal(r.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), content.Length);
        foreach (JsonElement t in content)
        {
            float lp = t.GetProperty("logprob").GetSingle();
            Assert.True(lp <= 0);
            JsonElement[] top = [.. t.GetProperty("top_logprobs").EnumerateArray()];
            Assert.Equal(3, top.Length);
            Assert.True(top[0].GetProperty("logprob").GetSingle() >= top[1].GetProperty("logprob").GetSingle());

            // Greedy: the chosen token is the most likely one.
            Assert.Equal(top[0].GetProperty("token").GetString(), t.GetProperty("token").GetString());
            byte[] bytes = [.. t.GetProperty("bytes").EnumerateArray().Select(b => (byte)b.GetInt32())];
            Assert.Equal(t.GetProperty("token").GetString(), System.Text.Encoding.UTF8.GetString(bytes));
        }

        string joined = string.Concat(content.Select(t => t.GetProperty("token").GetString()));
        Assert.Contains(choice.GetProperty("message").GetProperty("content").GetString()!.Trim(), joined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stop_string_ends_the_answer_before_it_with_finish_reason_stop()
    {
        string full = Text(await _server.PostOkAsync(Path, "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the sea.\"}],\"max_tokens\":24,\"temperature\":0}"));
        string[] words = full.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(words.Length >= 4, full);
        string stop = " " + words[3];
        JsonElement r = await _server.PostOkAsync(Path, "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about the sea.\"}],\"max_tokens\":24,\"temperature\":0,\"stop\":[" + JsonSerializer.Serialize(stop) + ",\"zzzz\"]}");
        Assert.Equal(full[..full.IndexOf(stop, StringComparison.Ordinal)], Text(r));
        Assert.Equal("stop", r.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Max_completion_tokens_wins_over_max_tokens_and_a_default_applies_without_either()
    {
        JsonElement r = await _server.PostOkAsync(Path, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":9,\"max_completion_tokens\":3,\"stop\":[\"</s>\"]}");
        Assert.InRange(r.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 3);
        JsonElement d = await _server.PostOkAsync(Path, "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":0}");
        Assert.InRange(d.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), 1, 128);
    }

    [Fact]
    public async Task Content_parts_developer_role_user_and_extension_fields_are_accepted()
    {
        JsonElement r = await _server.PostOkAsync(Path, "{\"messages\":[{\"role\":\"developer\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi \"},{\"type\":\"text\",\"text\":\"there\"}]}],\"max_tokens\":4,\"top_k\":5,\"min_p\":0.1,\"repetition_penalty\":1.2,\"presence_penalty\":0.5,\"frequency_penalty\":0.5,\"priority\":3,\"user\":\"u1\",\"top_p\":0.9}");
        Assert.Single(r.GetProperty("choices").EnumerateArray());
    }

    [Fact]
    public async Task Tools_are_rendered_into_the_prompt_of_a_template_without_tool_support()
    {
        JsonElement plain = await _server.PostOkAsync(Path, Request());
        JsonElement withTools = await _server.PostOkAsync(Path, Request(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather of a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]"));
        Assert.True(withTools.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > plain.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + 20);
        JsonElement none = await _server.PostOkAsync(Path, Request(",\"tool_choice\":\"none\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]"));
        Assert.Equal(plain.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), none.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    private static string Text(JsonElement r) => r.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
}
