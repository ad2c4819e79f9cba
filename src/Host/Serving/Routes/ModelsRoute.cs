using LlmFramework.Host.Serving.Dtos;
using Microsoft.AspNetCore.Http;

namespace LlmFramework.Host.Serving.Routes;

/// <summary>GET /v1/models (and GET /v1/models/{id}): the served models, the default first.</summary>
internal static class ModelsRoute
{
    public const string Path = "/v1/models";

    public static Task ListAsync(HttpContext context, ServerContext server)
    {
        var list = new ModelListResponse { Data = [.. server.Models.Snapshot().Select(CardOf)] };
        return context.Response.WriteAsJsonAsync(list, ServingJsonContext.Relaxed.ModelListResponse, cancellationToken: context.RequestAborted);
    }

    public static Task GetAsync(HttpContext context, ServerContext server)
    {
        string id = context.Request.RouteValues["id"]?.ToString() ?? "";
        ServedModel model = server.Models.Resolve(id.Length == 0 ? "\u0000" : id);
        return context.Response.WriteAsJsonAsync(CardOf(model), ServingJsonContext.Relaxed.ModelCardDto, cancellationToken: context.RequestAborted);
    }

    public static ModelCardDto CardOf(ServedModel model) => new() { Id = model.Id, Created = model.Created, ContextLength = model.Engine.ContextLength };
}
