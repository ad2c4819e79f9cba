using LlmFramework.Host.Configuration;
using LlmFramework.Host.Plugins;
using LlmFramework.Host.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Serving;

/// <summary>
/// The models being served, in order (the first answers requests that name no model). Models are added at start and
/// by POST /admin/models, removed by DELETE /admin/models/{id}; a removed model leaves the list at once.
/// </summary>
internal sealed class ModelRegistry
{
    private readonly object _lock = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly List<ServedModel> _models = [];
    private readonly PluginManager _plugins;
    private readonly HostOptions _options;
    private readonly ILogger _logger;

    public ModelRegistry(PluginManager plugins, HostOptions options, ILogger logger)
    {
        _plugins = plugins;
        _options = options;
        _logger = logger;
    }

    /// <summary>The models now, in order.</summary>
    public IReadOnlyList<ServedModel> Snapshot()
    {
        lock (_lock)
        {
            return [.. _models];
        }
    }

    /// <summary>The model a request names (empty = the first); a 404 listing the known ids when there is none such.</summary>
    public ServedModel Resolve(string? id)
    {
        lock (_lock)
        {
            if (string.IsNullOrEmpty(id))
            {
                return _models.Count > 0 ? _models[0] : throw new ApiError(StatusCodes.Status503ServiceUnavailable, "server_error", "no model is loaded", "model", "model_not_found");
            }

            return _models.FirstOrDefault(m => m.Id == id) ?? throw new ApiError(
                StatusCodes.Status404NotFound,
                "invalid_request_error",
                $"the model '{id}' does not exist; known models: {(_models.Count == 0 ? "none" : string.Join(", ", _models.Select(m => m.Id)))}",
                "model",
                "model_not_found");
        }
    }

    /// <summary>The id of a configured model: its Id, else "default" for the embedded model, else the file name without .gguf or the folder name.</summary>
    public static string IdOf(ModelOptions model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!string.IsNullOrWhiteSpace(model.Id))
        {
            return model.Id.Trim();
        }

        if (string.IsNullOrEmpty(model.Path))
        {
            return "default";
        }

        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Path));
        return name.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? name[..^5] : name;
    }

    /// <summary>Loads a model and adds it at the end; a 409 when its id is taken. Loads one model at a time.</summary>
    public async Task<ServedModel> LoadAsync(ModelOptions model, CancellationToken cancellationToken)
    {
        string id = IdOf(model);
        await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfTaken(id);
            ModelRuntime runtime = await Task.Run(() => ModelRuntime.Start(_plugins, _options, model, _logger), CancellationToken.None).ConfigureAwait(false);
            var served = new ServedModel(id, runtime);
            lock (_lock)
            {
                _models.Add(served);
            }

            _logger.LogInformation("serving {Id} from {Path}", id, runtime.ModelPath);
            return served;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Removes a model from the list at once and unloads it (see <see cref="ServedModel.UnloadAsync"/>); false when there is none such.</summary>
    public async Task<bool> UnloadAsync(string id, TimeSpan grace)
    {
        ServedModel? model;
        lock (_lock)
        {
            model = _models.FirstOrDefault(m => m.Id == id);
            if (model is null)
            {
                return false;
            }

            _models.Remove(model);
        }

        _logger.LogInformation("unloading {Id}", id);
        await model.UnloadAsync(grace).ConfigureAwait(false);
        return true;
    }

    /// <summary>Unloads every model (at shutdown, once requests have ended).</summary>
    public async Task UnloadAllAsync()
    {
        foreach (ServedModel model in Snapshot())
        {
            await UnloadAsync(model.Id, TimeSpan.Zero).ConfigureAwait(false);
        }
    }

    private void ThrowIfTaken(string id)
    {
        lock (_lock)
        {
            if (_models.Any(m => m.Id == id))
            {
                throw new ApiError(StatusCodes.Status409Conflict, "invalid_request_error", $"a model with the id '{id}' is already loaded", "id", "model_exists");
            }
        }
    }
}
