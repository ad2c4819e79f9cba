using System.Net.Http.Headers;

namespace LlmFramework.Clients.Tests.Support;

/// <summary>One host process per test class: the embedded default model, served with the API key <see cref="ApiKey"/>.</summary>
public sealed class DefaultModelServer : IAsyncLifetime
{
    /// <summary>The key the server requires.</summary>
    public const string ApiKey = "test-key";

    private HostServer? _server;

    internal HostServer Server => _server ?? throw new InvalidOperationException("the server is not started");

    /// <summary>The id of the served model, as GET /v1/models lists it.</summary>
    public string ModelId { get; private set; } = "";

    /// <summary>An HttpClient for the server with the API key set.</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    public async Task InitializeAsync()
    {
        _server = await HostServer.StartAsync("--set", $"LlmFramework:Server:ApiKeys:0={ApiKey}", "--threads", "2");
        using HttpClient client = CreateClient();
        ModelId = await ServerWaits.FirstModelIdAsync(client);
    }

    public Task DisposeAsync()
    {
        _server?.Dispose();
        return Task.CompletedTask;
    }
}
