using System.Runtime.InteropServices;
using System.Text.Json;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>POST /v1/completions (prompt forms, echo, legacy logprobs, streaming) and POST /v1/embeddings (floats and base64).</summary>
[Collection(ServingCollection.Name)]
public sealed class CompletionsAndEmbeddingsTests(SharedServer shared)
{
    private readonly TestServer _server = shared.Server;

    [Fact]
    public async Task A_string_prompt_and_its_token_ids_give_the_same_greedy_text()
    {
        JsonElement byText = await _server.PostOkAsync("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":6,\"temperature\":0}");
        Assert.Equal("text_completion", byText.GetProperty("object").GetString());
        int[] ids = _server.Host.Models.Resolve(null).Runtime.Model.Tokenizer.Encode("Once upon a time");
        JsonElement byIds = await _server.PostOkAsync("/v1/completions", "{\"prompt\":" + JsonSerializer.Serialize(ids) + ",\"max_tokens\":6,\"temperature\":0}");
        Assert.Equal(Text(byText, 0), Text(byIds, 0));
        Assert.Equal(ids.Length, byIds.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task A_list_of_prompts_gives_choices_prompt_times_n_plus_i_and_echo_prepends_the_prompt()
    {
        JsonElement r = await _server.PostOkAsync("/v1/completions", "{\"prompt\":[\"The sea\",\"A dog\"],\"n\":2,\"max_tokens\":3,\"echo\":true,\"seed\":1}");
        JsonElement[] choices = [.. r.GetProperty("choices").EnumerateArray()];
        Assert.Equal(4, choices.Length);
        Assert.StartsWith("The sea", Text(r, 0), StringComparison.Ordinal);
        Assert.StartsWith("The sea", Text(r, 1), StringComparison.Ordinal);
        Assert.StartsWith("A dog", Text(r, 2), StringComparison.Ordinal);
        Assert.StartsWith("A dog", Text(r, 3), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Legacy_logprobs_list_tokens_their_logprobs_alternatives_and_offsets()
    {
        JsonElement r = await _server.PostOkAsync("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"temperature\":0,\"logprobs\":2}");
        JsonElement lp = r.GetProperty("choices")[0].GetProperty("logprobs");
        string[] tokens = [.. lp.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!)];
        Assert.Equal(5, tokens.Length);
        Assert.Equal(string.Concat(tokens), Text(r, 0));
        Assert.Equal(5, lp.GetProperty("token_logprobs").GetArrayLength());
        Assert.All(lp.GetProperty("top_logprobs").EnumerateArray(), t => Assert.Equal(2, t.EnumerateObject().Count()));
        int[] offsets = [.. lp.GetProperty("text_offset").EnumerateArray().Select(o => o.GetInt32())];
        Assert.Equal(0, offsets[0]);
        Assert.Equal(tokens[0].Length, offsets[1]);
    }

    [Fact]
    public async Task Streamed_completion_text_matches_the_whole_answer()
    {
        JsonElement whole = await _server.PostOkAsync("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":7,\"temperature\":0}");
        List<string> events = await _server.StreamAsync("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":7,\"temperature\":0,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        JsonElement[] chunks = [.. events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement.Clone())];
        string text = string.Concat(chunks.SkipLast(1).Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(Text(whole, 0), text);
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(7, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Embeddings_are_unit_vectors_the_same_as_floats_and_as_base64_with_usage()
    {
        JsonElement floats = await _server.PostOkAsync("/v1/embeddings", "{\"input\":[\"the sea\",\"a dog barked\"]}");
        JsonElement base64 = await _server.PostOkAsync("/v1/embeddings", "{\"input\":\"a dog barked\",\"encoding_format\":\"base64\"}");
        JsonElement[] data = [.. floats.GetProperty("data").EnumerateArray()];
        Assert.Equal(2, data.Length);
        float[] second = [.. data[1].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())];
        Assert.Equal(_server.Host.Models.Resolve(null).Engine.EmbeddingSize, second.Length);
        Assert.Equal(1.0, Math.Sqrt(second.Sum(v => (double)v * v)), 3);
        float[] decoded = MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(base64.GetProperty("data")[0].GetProperty("embedding").GetString()!)).ToArray();
        Assert.Equal(second, decoded);
        Assert.True(floats.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > base64.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("list", floats.GetProperty("object").GetString());
    }

    [Fact]
    public async Task Models_lists_the_default_model_with_its_context_length()
    {
        using HttpResponseMessage response = await _server.Client.GetAsync("/v1/models");
        JsonElement list = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        JsonElement model = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("default", model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(512, model.GetProperty("context_length").GetInt32());
    }

    private static string Text(JsonElement r, int i) => r.GetProperty("choices")[i].GetProperty("text").GetString()!;
}
