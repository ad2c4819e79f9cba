using System.Net;
using System.Text.Json;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>Loading and unloading models at run time, choosing them by "model", and a template that opens &lt;think&gt;.</summary>
[Collection(ServingCollection.Name)]
public sealed class AdminAndReasoningTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_model_loaded_at_run_time_is_listed_at_once_answers_by_id_and_goes_away_when_unloaded()
    {
        await using TestServer server = await TestServer.StartAsync();
        string gguf = Path.Combine(RepositoryPaths.Root, "models", "default", "model.gguf");
        (int status, string body) = await server.PostAsync("/admin/models", "{\"id\":\"second\",\"path\":" + JsonSerializer.Serialize(gguf) + "}");
        Assert.True(status == 201, body);
        Assert.Equal(["default", "second"], await ModelIds(server));
        JsonElement r = await server.PostOkAsync("/v1/completions", "{\"model\":\"second\",\"prompt\":\"The sea\",\"max_tokens\":3}");
        Assert.Equal("second", r.GetProperty("model").GetString());

        (int again, string againBody) = await server.PostAsync("/admin/models", "{\"id\":\"second\",\"path\":" + JsonSerializer.Serialize(gguf) + "}");
        Assert.Equal(409, again);
        Assert.Equal("model_exists", TestServer.ErrorOf(againBody).GetProperty("code").GetString());

        using HttpResponseMessage deleted = await server.Client.DeleteAsync("/admin/models/second");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(["default"], await ModelIds(server));
        (int gone, string goneBody) = await server.PostAsync("/v1/completions", "{\"model\":\"second\",\"prompt\":\"x\",\"max_tokens\":1}");
        Assert.Equal(404, gone);
        Assert.Contains("known models: default", goneBody, StringComparison.Ordinal);
        (int missing, _) = await server.PostAsync("/admin/models", "{\"path\":\"/no/such/model.gguf\"}");
        Assert.Equal(400, missing);
    }

    [Fact]
    public async Task Unloading_waits_for_a_running_generation_to_finish()
    {
        await using TestServer server = await TestServer.StartAsync();
        string gguf = Path.Combine(RepositoryPaths.Root, "models", "default", "model.gguf");
        Assert.Equal(201, (await server.PostAsync("/admin/models", "{\"id\":\"busy\",\"path\":" + JsonSerializer.Serialize(gguf) + "}")).Status);
        Task<(int Status, string Body)> running = server.PostAsync("/v1/completions", "{\"model\":\"busy\",\"prompt\":\"The sea\",\"max_tokens\":120,\"temperature\":0}");
        await Eventually.HoldsAsync(() => server.Host.Models.Resolve("busy").Engine.Metrics.GeneratedTokens > 0, TimeSpan.FromSeconds(20), "the generation to start");
        using HttpResponseMessage deleted = await server.Client.DeleteAsync("/admin/models/busy");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        (int status, string body) = await running;
        Assert.True(status == 200, body);
        Assert.Equal(120, JsonDocument.Parse(body).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task A_chat_template_that_opens_think_puts_the_reply_in_reasoning_content()
    {
        // A DeepSeek-R1-like template that ends the prompt inside <think>.
        string folder = DefaultModelWithTemplate("thinker", "{{ bos_token }}{% for message in messages %}{{ 'User: ' + message['content'] + '\\n\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: <think>\\n' }}{% endif %}");
        await using TestServer server = await TestServer.StartAsync(o => o.Server.Models = [new() { Id = "thinker", Path = folder }]);
        JsonElement r = await server.PostOkAsync("/v1/chat/completions", "{\"model\":\"thinker\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sea blue?\"}],\"max_tokens\":12,\"temperature\":0,\"stop\":[\"</think>\"]}");
        JsonElement message = r.GetProperty("choices")[0].GetProperty("message");
        Assert.False(string.IsNullOrEmpty(message.GetProperty("reasoning_content").GetString()));
        Assert.True(string.IsNullOrEmpty(message.GetProperty("content").GetString()));

        List<string> events = await server.StreamAsync("/v1/chat/completions", "{\"model\":\"thinker\",\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sea blue?\"}],\"max_tokens\":12,\"temperature\":0,\"stop\":[\"</think>\"],\"stream\":true}");
        string streamed = string.Concat(events.SkipLast(1).SelectMany(e => JsonDocument.Parse(e).RootElement.GetProperty("choices").EnumerateArray())
            .Select(c => c.GetProperty("delta").TryGetProperty("reasoning_content", out JsonElement t) ? t.GetString() : ""));
        Assert.Equal(message.GetProperty("reasoning_content").GetString(), streamed);
    }

    [Fact]
    public async Task A_template_that_reads_tools_gets_the_tools_the_calls_and_the_tool_answers()
    {
        string folder = DefaultModelWithTemplate("tooler", File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "model-output", "qwen-style-tools-template.jinja")));
        await using TestServer server = await TestServer.StartAsync(o => o.Server.Models = [new() { Id = "tooler", Path = folder }]);
        const string chat = """
            {"model": "tooler", "max_tokens": 2, "messages": [
              {"role": "user", "content": "Weather in Oslo?"},
              {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
              {"role": "tool", "tool_call_id": "call_1", "content": "-3 C"}],
             "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}
            """;
        var request = JsonSerializer.Deserialize(chat, LlmFramework.Host.Serving.ServingJsonContext.Default.ChatCompletionRequest)!;
        LlmFramework.Host.Serving.Generation.ChatPrompt prompt = LlmFramework.Host.Serving.Generation.ChatPromptBuilder.Build(
            server.Host.Models.Resolve("tooler"), LlmFramework.Host.Serving.Generation.ChatTurns.From(request.Messages), request.Tools!);
        Assert.Contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather of a city\"", prompt.Text, StringComparison.Ordinal);
        Assert.Contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>", prompt.Text, StringComparison.Ordinal);
        Assert.Contains("<tool_response>\n-3 C\n</tool_response>", prompt.Text, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>assistant\n", prompt.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("You may call functions", prompt.Text, StringComparison.Ordinal);

        // Over HTTP the same request is answered (the reply of this model is prose, not a call).
        JsonElement r = await server.PostOkAsync("/v1/chat/completions", chat);
        Assert.Equal(prompt.Tokens.Length, r.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    private string DefaultModelWithTemplate(string name, string template) => TemplatedModelFolder.Create(_dir, name, template);

    private static async Task<string[]> ModelIds(TestServer server)
    {
        using HttpResponseMessage response = await server.Client.GetAsync("/v1/models");
        return [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];
    }
}
