using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Serving;
using LlmFramework.Host.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Abstractions;

namespace LlmFramework.Host.Tests.Serving;

/// <summary>The real server in-process on http://127.0.0.1:0 (the default model unless configured otherwise), with an HttpClient on it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly PluginManager _plugins;

    private TestServer(ServerHost host, PluginManager plugins)
    {
        Host = host;
        _plugins = plugins;
        Client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    internal ServerHost Host { get; }

    public HttpClient Client { get; }

    /// <summary>Options are built in code (not from LLMF_ variables, which other tests set).</summary>
    internal static async Task<TestServer> StartAsync(Action<HostOptions>? configure = null, Action<IApplicationBuilder>? beforeRoutes = null)
    {
        var options = new HostOptions();
        options.Server.Urls = "http://127.0.0.1:0";
        options.Engine.KvCacheTokens = 4096;
        configure?.Invoke(options);
        var plugins = new PluginManager([RepositoryPaths.HostPluginDirectory], hotReload: false, disabled: null, NullLogger.Instance);
        plugins.LoadAll();
        try
        {
            ServerHost host = await ServerHost.StartAsync(options, plugins, NullLoggerFactory.Instance, beforeRoutes);
            return new TestServer(host, plugins);
        }
        catch
        {
            plugins.Dispose();
            throw;
        }
    }

    /// <summary>POSTs a JSON text; returns the status and the body.</summary>
    public async Task<(int Status, string Body)> PostAsync(string path, string json, string? bearer = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using HttpResponseMessage response = await Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POSTs a JSON text and parses a 200 answer (fails with the body otherwise).</summary>
    public async Task<JsonElement> PostOkAsync(string path, string json)
    {
        (int status, string body) = await PostAsync(path, json);
        Assert.True(status == 200, $"{path} answered {status}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>POSTs a streaming request and returns the data of every SSE event, up to and including [DONE].</summary>
    public async Task<List<string>> StreamAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using HttpResponseMessage response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        var events = new List<string>();
        foreach (string block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", block, StringComparison.Ordinal);
            events.Add(block["data: ".Length..]);
        }

        Assert.Equal("[DONE]", events[^1]);
        return events;
    }

    /// <summary>The OpenAI error of an answer, checked for its shape.</summary>
    public static JsonElement ErrorOf(string body)
    {
        JsonElement error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "error.param is missing");
        Assert.True(error.TryGetProperty("code", out _), "error.code is missing");
        Assert.DoesNotContain(" at LlmFramework", body, StringComparison.Ordinal);
        return error;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        _plugins.Dispose();
    }
}
