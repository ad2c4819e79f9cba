using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Serving;

/// <summary>
/// Wraps a route's body: checks access, counts in-flight work for graceful shutdown (generation routes), turns
/// <see cref="ApiError"/>s into OpenAI-shaped answers and anything else into a 500 without a stack trace, and counts
/// the answer's status for /metrics.
/// </summary>
internal static class RouteHandler
{
    public static RequestDelegate Create(ServerContext server, string route, RouteAccess access, bool isWork, Func<HttpContext, Task> body) => async context =>
    {
        try
        {
            BearerAuth.Check(context, server.Server, access);
            if (isWork)
            {
                using IDisposable work = server.State.Enter();
                await body(context).ConfigureAwait(false);
            }
            else
            {
                await body(context).ConfigureAwait(false);
            }
        }
        catch (ApiError error)
        {
            await AnswerAsync(context, error).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left; there is no one to answer.
        }
        catch (BadHttpRequestException ex)
        {
            await AnswerAsync(context, new ApiError(ex.StatusCode, "invalid_request_error", ex.Message)).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // the route's last line of defence: a 500 with a message, never a stack trace
        catch (Exception ex)
#pragma warning restore CA1031
        {
            server.Logger.LogError(ex, "{Route} failed", route);
            await AnswerAsync(context, new ApiError(StatusCodes.Status500InternalServerError, "server_error", $"internal error: {ex.GetType().Name}: {ex.Message}")).ConfigureAwait(false);
        }
        finally
        {
            server.Counters.Count(route, context.Response.StatusCode);
        }
    };

    private static async Task AnswerAsync(HttpContext context, ApiError error)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        await ErrorWriter.WriteAsync(context, error).ConfigureAwait(false);
    }
}
