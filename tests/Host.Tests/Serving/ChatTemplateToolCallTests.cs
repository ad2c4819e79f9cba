using System.Text.Json;
using LlmFramework.Host.Serving;
using LlmFramework.Host.Serving.Dtos;
using LlmFramework.Host.Serving.Generation;
using LlmFramework.Host.Tests.Support;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>
/// A chat request's tool calls and tool results through real chat templates, compared with what Python's jinja2
/// renders (data/chat-templates/render_expected.py made the expected text, set up as transformers sets it up).
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ChatTemplateToolCallTests : IDisposable
{
    /// <summary>As an OpenAI client sends a call and its result: the assistant's content null, the arguments a JSON string.</summary>
    private const string Chat = """
        {"model": "deepseek", "max_tokens": 2, "messages": [
          {"role": "user", "content": "Weather in Oslo?"},
          {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
          {"role": "tool", "tool_call_id": "call_1", "content": "-3 C"}],
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]}
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task DeepSeek_V3_writes_the_call_with_its_arguments_string_and_the_tool_output_as_jinja2_does()
    {
        await using TestServer server = await ServerWith("deepseek", DeepSeekV3Template());
        ChatPrompt prompt = Build(server, "deepseek", Chat);
        Assert.Equal(Expected("deepseek-v3-tool-call.expected.txt"), prompt.Text);

        JsonElement r = await server.PostOkAsync("/v1/chat/completions", Chat);
        Assert.Equal(prompt.Tokens.Length, r.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task A_template_that_prints_the_arguments_with_tojson_gets_them_as_a_mapping_as_jinja2_would()
    {
        string template = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "model-output", "qwen-style-tools-template.jinja"));
        await using TestServer server = await ServerWith("qwen", template);
        Assert.Equal(Expected("qwen-style-tool-call.expected.txt"), Build(server, "qwen", Chat.Replace("\"deepseek\"", "\"qwen\"", StringComparison.Ordinal)).Text);
    }

    [Theory]
    [InlineData("{% for m in messages %}{% if m.tool_calls is defined %}{{ raise_exception('no tool calls, please') }}{% endif %}{% endfor %}", "raise_exception: no tool calls, please")]
    [InlineData("{% macro tool() %}{{ tool() }}{% endmacro %}{{ tool() }}", "nests too deeply")]
    [InlineData("{{ 'tools: ' + tools }}", "Cannot add a string and a list")]
    public async Task A_template_that_fails_is_a_bad_request_naming_the_model_s_template_and_the_problem(string template, string problem)
    {
        await using TestServer server = await ServerWith("strict", template);
        (int status, string body) = await server.PostAsync("/v1/chat/completions", Chat.Replace("\"deepseek\"", "\"strict\"", StringComparison.Ordinal));
        Assert.Equal(400, status);
        string message = TestServer.ErrorOf(body).GetProperty("message").GetString()!;
        Assert.StartsWith("the chat template of model 'strict' refused the messages: ", message, StringComparison.Ordinal);
        Assert.Contains(problem, message, StringComparison.Ordinal);

        // The server lives on to answer the next request.
        using HttpResponseMessage models = await server.Client.GetAsync("/v1/models");
        Assert.Equal(System.Net.HttpStatusCode.OK, models.StatusCode);
    }

    private async Task<TestServer> ServerWith(string id, string template)
    {
        string folder = TemplatedModelFolder.Create(_dir, id, template);
        return await TestServer.StartAsync(o => o.Server.Models = [new() { Id = id, Path = folder }]);
    }

    private static ChatPrompt Build(TestServer server, string id, string chat)
    {
        ChatCompletionRequest request = JsonSerializer.Deserialize(chat, ServingJsonContext.Default.ChatCompletionRequest)!;
        return ChatPromptBuilder.Build(server.Host.Models.Resolve(id), ChatTurns.From(request.Messages), request.Tools ?? []);
    }

    private static string DeepSeekV3Template()
    {
        string config = Path.Combine(RepositoryPaths.Root, "tests", "Tokenizers.Tests", "data", "deepseek-v3", "tokenizer_config.json");
        using JsonDocument d = JsonDocument.Parse(File.ReadAllText(config));
        return d.RootElement.GetProperty("chat_template").GetString()!;
    }

    private static string Expected(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "chat-templates", name));
}
