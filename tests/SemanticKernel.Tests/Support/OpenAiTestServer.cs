using System.Text.Json;
using System.Text.Json.Nodes;
using LlmFramework.Protocol;
using MessagePack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmFramework.SemanticKernel.Tests.Support;

/// <summary>
/// Test scaffolding, not the real server: a Kestrel endpoint on 127.0.0.1 with the OpenAI-compatible routes (chat
/// completions whole and as SSE, embeddings, models) and the binary MessagePack route, answering from the in-process
/// chat client and embedding generator. Requests need <c>Authorization: Bearer test-key</c>. The model id
/// <see cref="ScriptedReasoningModel"/> answers with a fixed stream that carries <c>reasoning_content</c>; the model id
/// <see cref="SlowModel"/> streams the engine's reply at most one piece per 20 ms, as a larger model would.
/// </summary>
public sealed class OpenAiTestServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";
    public const string ScriptedReasoningModel = "scripted-reasoning";
    public const string SlowModel = "slow";
    private readonly WebApplication _app;
    private readonly int[] _aborted;

    private OpenAiTestServer(WebApplication app, Uri endpoint, int[] aborted)
    {
        _app = app;
        Endpoint = endpoint;
        _aborted = aborted;
    }

    /// <summary>How many requests the client aborted (Kestrel's RequestAborted fired before the response ended).</summary>
    public int AbortedRequests => Volatile.Read(ref _aborted[0]);

    /// <summary>The /v1 base address.</summary>
    public Uri Endpoint { get; }

    public static async Task<OpenAiTestServer> StartAsync(IChatClient chat, IEmbeddingGenerator<string, Embedding<float>> embeddings, string modelId)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        int[] aborted = [0];
        app.Use(async (context, next) =>
        {
            using CancellationTokenRegistration onAbort = context.RequestAborted.Register(() => Interlocked.Increment(ref aborted[0]));
            if (context.Request.Headers.Authorization != $"Bearer {ApiKey}")
            {
                await Error(context, 401, "invalid API key", "invalid_request_error", "invalid_api_key");
                return;
            }

            await next(context);
        });
        app.MapGet("/v1/models", () => Results.Json(new { @object = "list", data = new[] { new { id = modelId, @object = "model", owned_by = "llmframework" } } }));
        app.MapPost("/v1/chat/completions", context => OpenAiTestRoutes.ChatAsync(context, chat));
        app.MapPost("/v1/embeddings", context => OpenAiTestRoutes.EmbeddingsAsync(context, embeddings));
        app.MapPost(BinaryStreamProtocol.Route, context => OpenAiTestRoutes.BinaryChatAsync(context, chat));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OpenAiTestServer(app, new Uri(address.TrimEnd('/') + "/v1"), aborted);
    }

    /// <summary>Writes an OpenAI error body.</summary>
    internal static Task Error(HttpContext context, int status, string message, string type, string? code = null, string? param = null)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = param, ["code"] = code } });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Reads a JSON body.</summary>
    internal static async Task<JsonElement> ReadJsonAsync(HttpContext context)
    {
        using JsonDocument doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        return doc.RootElement.Clone();
    }

    /// <summary>Writes one MessagePack frame and flushes it.</summary>
    internal static async Task WriteFrameAsync(HttpContext context, BinaryStreamFrame frame)
    {
        await context.Response.Body.WriteAsync(MessagePackSerializer.Serialize(frame), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
