using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>GET /health/live (the process answers), /health/ready (models loaded, not draining; else 503) and /health (both).</summary>
internal static class HealthRoutes
{
    public static Task LiveAsync(HttpContext context, ServerContext server) => WriteAsync(context, new() { ["status"] = "live" }, ok: true);

    public static Task ReadyAsync(HttpContext context, ServerContext server)
    {
        (bool ready, string status) = Readiness(server);
        return WriteAsync(context, new() { ["status"] = status, ["models"] = Models(server) }, ready);
    }

    public static Task BothAsync(HttpContext context, ServerContext server)
    {
        (bool ready, string status) = Readiness(server);
        return WriteAsync(context, new() { ["status"] = status, ["live"] = true, ["ready"] = ready, ["models"] = Models(server) }, ready);
    }

    private static (bool Ready, string Status) Readiness(ServerContext server) =>
        server.State.Draining ? (false, "draining") : server.Models.Snapshot().Count == 0 ? (false, "no_models") : (true, "ready");

    private static List<object?> Models(ServerContext server) => [.. server.Models.Snapshot().Select(m => (object?)m.Id)];

    private static Task WriteAsync(HttpContext context, Dictionary<string, object?> body, bool ok)
    {
        context.Response.StatusCode = ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(body, ServingJsonContext.Relaxed.DictionaryStringObject, cancellationToken: context.RequestAborted);
    }
}
