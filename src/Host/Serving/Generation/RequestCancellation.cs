using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Generation;

/// <summary>
/// Why a generation may be cut short: the client went away, the request ran past LlmFramework:Server:RequestTimeoutSeconds,
/// shutdown stopped waiting, or its model is being unloaded. <see cref="Token"/> fires for any of them;
/// <see cref="Explain"/> says which, as the error the client gets (when it is still there).
/// </summary>
internal sealed class RequestCancellation : IDisposable
{
    private readonly CancellationTokenSource _linked;
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationToken _client;
    private readonly CancellationToken _shutdown;
    private readonly CancellationToken _unload;
    private readonly int _timeoutSeconds;

    public RequestCancellation(CancellationToken client, CancellationToken shutdown, CancellationToken unload, int timeoutSeconds)
    {
        _client = client;
        _shutdown = shutdown;
        _unload = unload;
        _timeoutSeconds = timeoutSeconds;
        _timeout = new CancellationTokenSource();
        if (timeoutSeconds > 0)
        {
            _timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        }

        _linked = CancellationTokenSource.CreateLinkedTokenSource(client, shutdown, unload, _timeout.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>Whether the client disconnected (nothing more can be sent).</summary>
    public bool ClientGone => _client.IsCancellationRequested;

    /// <summary>The error for a generation that was cancelled.</summary>
    public ApiError Explain()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "the server shut down before the generation finished", null, "shutting_down") { RetryAfterSeconds = 1 };
        }

        if (_unload.IsCancellationRequested)
        {
            return new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "the model was unloaded before the generation finished", "model", "model_unloaded");
        }

        if (_timeout.IsCancellationRequested)
        {
            return new ApiError(StatusCodes.Status504GatewayTimeout, "timeout_error", $"the generation ran past LlmFramework:Server:RequestTimeoutSeconds ({_timeoutSeconds} s)", null, "timeout");
        }

        return new ApiError(499, "invalid_request_error", "the client closed the request", null, "client_closed");
    }

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
