using LlmFramework.Host.Configuration;

namespace LlmFramework.Host.Serving.Dtos;

/// <summary>GET /v1/models.</summary>
internal sealed class ModelListResponse
{
    public string Object { get; set; } = "list";

    public List<ModelCardDto> Data { get; set; } = [];
}

/// <summary>One served model.</summary>
internal sealed class ModelCardDto
{
    public required string Id { get; set; }

    public string Object { get; set; } = "model";

    public long Created { get; set; }

    public string OwnedBy { get; set; } = "llmframework";

    /// <summary>Extension: the engine's context length.</summary>
    public int ContextLength { get; set; }
}

/// <summary>POST /admin/models: the model to load (the keys of LlmFramework:Server:Models entries).</summary>
internal sealed class AdminLoadModelRequest
{
    public string? Id { get; set; }

    public string? Path { get; set; }

    public string? Family { get; set; }

    public int? ContextLength { get; set; }

    public List<AdapterOptions>? Adapters { get; set; }
}
