using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Serving.Routes;
using LlmFramework.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Serving;

/// <summary>
/// The HTTP server of the serve verb: Kestrel with the OpenAI-compatible routes, the binary streaming route, admin,
/// health and metrics routes, over the models of <see cref="ModelRegistry"/>. <see cref="StopAsync"/> shuts down
/// gracefully: new work is refused (503, ready turns 503), the requests in flight get up to
/// LlmFramework:Server:ShutdownTimeoutSeconds to finish, the rest are cancelled, then the listener closes.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerContext _context;
    private readonly object _stopLock = new();
    private Task? _stopping;

    private ServerHost(WebApplication app, ServerContext context)
    {
        _app = app;
        _context = context;
    }

    /// <summary>The addresses bound (with the real port when the configured one was 0).</summary>
    public IReadOnlyList<string> Addresses => [.. _app.Urls];

    /// <summary>The first bound address as a URI.</summary>
    public Uri BaseAddress => new(Addresses[0]);

    public ModelRegistry Models => _context.Models;

    public ServerState State => _context.State;

    /// <summary>Ends when the server has stopped.</summary>
    public Task Stopped => _stopping ?? Task.CompletedTask;

    /// <summary>
    /// Loads LlmFramework:Model and the LlmFramework:Server:Models entries, then starts listening on
    /// LlmFramework:Server:Urls. <paramref name="beforeRoutes"/> adds middleware ahead of the routes (tests use it).
    /// </summary>
    public static async Task<ServerHost> StartAsync(HostOptions options, PluginManager plugins, ILoggerFactory loggerFactory, Action<IApplicationBuilder>? beforeRoutes = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ILogger logger = loggerFactory.CreateLogger("LlmFramework.Host.Serving");
        var registry = new ModelRegistry(plugins, options, logger);
        var context = new ServerContext(options, registry, new ServerState(), new HttpRequestCounters(), logger);
        WebApplication? app = null;
        try
        {
            foreach (ModelOptions model in new[] { options.Model }.Concat(options.Server.Models))
            {
                await registry.LoadAsync(model, CancellationToken.None).ConfigureAwait(false);
            }

            WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "LlmFramework.Host" });
            builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Limits.MaxRequestBodySize = options.Server.MaxRequestBodyBytes;
            });
            builder.WebHost.UseUrls(options.Server.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            builder.Services.AddRoutingCore();
            builder.Services.AddSingleton(loggerFactory);
            builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
            builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
            app = builder.Build();
            beforeRoutes?.Invoke(app);
            app.UseRouting();
            MapRoutes(app, context);
            await app.StartAsync().ConfigureAwait(false);
            return new ServerHost(app, context);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            await registry.UnloadAllAsync().ConfigureAwait(false);
            context.State.Dispose();
            throw;
        }
    }

    private static void MapRoutes(WebApplication app, ServerContext s)
    {
        RequestDelegate Route(string name, RouteAccess access, bool isWork, Func<HttpContext, ServerContext, Task> body) =>
            RouteHandler.Create(s, name, access, isWork, c => body(c, s));

        app.MapPost(ChatCompletionsRoute.Path, Route(ChatCompletionsRoute.Path, RouteAccess.ApiKey, true, ChatCompletionsRoute.HandleAsync));
        app.MapPost(CompletionsRoute.Path, Route(CompletionsRoute.Path, RouteAccess.ApiKey, true, CompletionsRoute.HandleAsync));
        app.MapPost(EmbeddingsRoute.Path, Route(EmbeddingsRoute.Path, RouteAccess.ApiKey, true, EmbeddingsRoute.HandleAsync));
        app.MapPost(BinaryStreamProtocol.Route, Route(BinaryStreamProtocol.Route, RouteAccess.ApiKey, true, BinaryChatRoute.HandleAsync));
        app.MapGet(ModelsRoute.Path, Route(ModelsRoute.Path, RouteAccess.ApiKey, false, ModelsRoute.ListAsync));
        app.MapGet(ModelsRoute.Path + "/{id}", Route(ModelsRoute.Path + "/{id}", RouteAccess.ApiKey, false, ModelsRoute.GetAsync));
        app.MapPost(AdminRoutes.ModelsPath, Route(AdminRoutes.ModelsPath, RouteAccess.Admin, false, AdminRoutes.LoadAsync));
        app.MapDelete(AdminRoutes.ModelsPath + "/{id}", Route(AdminRoutes.ModelsPath + "/{id}", RouteAccess.Admin, false, AdminRoutes.UnloadAsync));
        app.MapGet("/health", Route("/health", RouteAccess.Open, false, HealthRoutes.BothAsync));
        app.MapGet("/health/live", Route("/health/live", RouteAccess.Open, false, HealthRoutes.LiveAsync));
        app.MapGet("/health/ready", Route("/health/ready", RouteAccess.Open, false, HealthRoutes.ReadyAsync));
        app.MapGet(MetricsRoute.Path, Route(MetricsRoute.Path, RouteAccess.Open, false, MetricsRoute.HandleAsync));
        app.MapFallback(Route("(unknown)", RouteAccess.Open, false, (c, _) => throw new ApiError(
            StatusCodes.Status404NotFound, "invalid_request_error", $"no route {c.Request.Method} {c.Request.Path}", null, "unknown_route")));
    }

    /// <summary>Graceful shutdown (see the class summary); calling it again returns the same task.</summary>
    public Task StopAsync()
    {
        lock (_stopLock)
        {
            return _stopping ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        ServerState state = _context.State;
        state.BeginDraining();
        _context.Logger.LogInformation("draining: {Count} requests in flight", state.InFlight);
        if (!await state.WaitIdleAsync(TimeSpan.FromSeconds(_context.Server.ShutdownTimeoutSeconds)).ConfigureAwait(false))
        {
            _context.Logger.LogWarning("cancelling {Count} requests still running after {Seconds} s", state.InFlight, _context.Server.ShutdownTimeoutSeconds);
            state.CancelInFlight();
            await state.WaitIdleAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _context.Models.UnloadAllAsync().ConfigureAwait(false);
        state.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
