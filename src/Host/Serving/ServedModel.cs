using LlmFramework.Engine;
using LlmFramework.Host.Runtime;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving;

/// <summary>
/// A model the server answers for: its id, its runtime (model + engine) and the requests using it now. Unloading
/// refuses new requests at once, lets the running ones finish for a grace period, cancels the rest, then disposes the
/// runtime once no request holds it.
/// </summary>
internal sealed class ServedModel
{
    private readonly CancellationTokenSource _unload = new();
    private readonly InFlightGate _requests = new();

    public ServedModel(string id, ModelRuntime runtime)
    {
        Id = id;
        Runtime = runtime;
        Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    public string Id { get; }

    public ModelRuntime Runtime { get; }

    public InferenceEngine Engine => Runtime.Engine;

    /// <summary>When it was loaded (Unix seconds).</summary>
    public long Created { get; }

    /// <summary>Cancelled when an unload gives up waiting for the running requests.</summary>
    public CancellationToken UnloadToken => _unload.Token;

    /// <summary>Requests holding the model now.</summary>
    public int InFlight => _requests.Count;

    /// <summary>Marks a request as using the model until the result is disposed; a 404 when the model is being unloaded.</summary>
    public IDisposable Acquire() => _requests.TryEnter()
        ?? throw new ApiError(StatusCodes.Status404NotFound, "invalid_request_error", $"the model '{Id}' is being unloaded", "model", "model_not_found");

    /// <summary>Waits up to <paramref name="grace"/> for the requests using the model, cancels the rest, then disposes the runtime.</summary>
    public async Task UnloadAsync(TimeSpan grace)
    {
        _requests.Close();
        await _requests.WaitIdleAsync(grace).ConfigureAwait(false);
        await _unload.CancelAsync().ConfigureAwait(false);
        await _requests.WaitIdleAsync(Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        Runtime.Dispose();
        _unload.Dispose();
    }
}
