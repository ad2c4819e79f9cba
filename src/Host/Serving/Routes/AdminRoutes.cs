using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Models;
using LlmFramework.Host.Configuration;
using LlmFramework.Host.Serving.Dtos;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>
/// POST /admin/models loads a model at run time (the keys of a LlmFramework:Server:Models entry) and lists it at once;
/// DELETE /admin/models/{id} removes it from the list at once and unloads it once its requests have finished (or,
/// after LlmFramework:Server:ShutdownTimeoutSeconds, been cancelled).
/// </summary>
internal static class AdminRoutes
{
    public const string ModelsPath = "/admin/models";

    public static async Task LoadAsync(HttpContext context, ServerContext server)
    {
        AdminLoadModelRequest dto = await JsonBody.ReadAsync(context, ServingJsonContext.Relaxed.AdminLoadModelRequest, server.Server.MaxRequestBodyBytes).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(dto.Path))
        {
            throw ApiError.BadRequest("'path' is required: a GGUF file or Hugging Face folder on the server", "path");
        }

        string path = System.IO.Path.GetFullPath(dto.Path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw ApiError.BadRequest($"'path': '{path}' does not exist", "path");
        }

        if (dto.ContextLength is < 0)
        {
            throw ApiError.BadRequest($"'context_length' must not be negative, got {dto.ContextLength}", "context_length");
        }

        var options = new ModelOptions
        {
            Id = dto.Id ?? "",
            Path = path,
            Family = dto.Family ?? "",
            ContextLength = dto.ContextLength ?? 0,
            Adapters = dto.Adapters ?? [],
        };
        for (int i = 0; i < options.Adapters.Count; i++)
        {
            AdapterOptions a = options.Adapters[i];
            if (string.IsNullOrWhiteSpace(a.Path) || !Directory.Exists(a.Path))
            {
                throw ApiError.BadRequest($"'adapters[{i}].path': '{a.Path}' is not a folder", "adapters");
            }

            a.Mode = a.Mode?.ToLowerInvariant() ?? "merged";
            if (a.Mode is not ("merged" or "unmerged"))
            {
                throw ApiError.BadRequest($"'adapters[{i}].mode' must be \"merged\" or \"unmerged\", got \"{a.Mode}\"", "adapters");
            }
        }

        ServedModel model;
        try
        {
            model = await server.Models.LoadAsync(options, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ModelLoadException or GraphBuildException or InvalidOperationException or NotSupportedException or IOException or InvalidDataException or ArgumentException)
        {
            throw ApiError.BadRequest($"the model could not be loaded: {ex.Message}", "path", "model_load_failed");
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(ModelsRoute.CardOf(model), ServingJsonContext.Relaxed.ModelCardDto, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task UnloadAsync(HttpContext context, ServerContext server)
    {
        string id = context.Request.RouteValues["id"]?.ToString() ?? "";
        if (!await server.Models.UnloadAsync(id, TimeSpan.FromSeconds(server.Server.ShutdownTimeoutSeconds)).ConfigureAwait(false))
        {
            throw new ApiError(StatusCodes.Status404NotFound, "invalid_request_error", $"the model '{id}' is not loaded; loaded: {string.Join(", ", server.Models.Snapshot().Select(m => m.Id))}", "model", "model_not_found");
        }

        await context.Response.WriteAsJsonAsync(new Dictionary<string, object?> { ["id"] = id, ["object"] = "model", ["deleted"] = true }, ServingJsonContext.Relaxed.DictionaryStringObject, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }
}
