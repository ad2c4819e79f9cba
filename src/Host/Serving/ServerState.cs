using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>
/// Whether the server takes new work, and the requests doing work now. Graceful shutdown: <see cref="BeginDraining"/>
/// (new work is refused with 503, /health/ready answers 503), wait for the work in flight, then <see cref="CancelInFlight"/>.
/// </summary>
internal sealed class ServerState : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly InFlightGate _work = new();

    public bool Draining => _work.Closed;

    public int InFlight => _work.Count;

    /// <summary>Cancelled when shutdown stops waiting for the requests in flight.</summary>
    public CancellationToken CancelToken => _cancel.Token;

    /// <summary>Counts a request as in flight until the result is disposed; a 503 while draining.</summary>
    public IDisposable Enter() => _work.TryEnter()
        ?? throw new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "the server is shutting down", null, "shutting_down") { RetryAfterSeconds = 1 };

    public void BeginDraining() => _work.Close();

    public void CancelInFlight() => _cancel.Cancel();

    /// <summary>Waits until no request is in flight or <paramref name="limit"/> passes; true when none is.</summary>
    public Task<bool> WaitIdleAsync(TimeSpan limit) => _work.WaitIdleAsync(limit);

    public void Dispose() => _cancel.Dispose();
}
