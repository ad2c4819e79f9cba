using System.Text.Json;

namespace LlmFramework.Host.Serving.Dtos;

/// <summary>POST /v1/embeddings.</summary>
internal sealed class EmbeddingRequest
{
    public string? Model { get; set; }

    /// <summary>A string, a list of strings, a list of token ids or a list of lists of token ids.</summary>
    public JsonElement? Input { get; set; }

    /// <summary>"float" (default) or "base64" (little-endian float32 bytes).</summary>
    public string? EncodingFormat { get; set; }

    public int? Dimensions { get; set; }

    public string? User { get; set; }
}

/// <summary>The embeddings answer.</summary>
internal sealed class EmbeddingResponse
{
    public string Object { get; set; } = "list";

    public List<EmbeddingDataDto> Data { get; set; } = [];

    public required string Model { get; set; }

    public required EmbeddingUsageDto Usage { get; set; }
}

/// <summary>One embedding: <see cref="Embedding"/> is a float[] or, for base64, a string.</summary>
internal sealed class EmbeddingDataDto
{
    public string Object { get; set; } = "embedding";

    public int Index { get; set; }

    public required object Embedding { get; set; }
}

/// <summary>Token counts of an embeddings request.</summary>
internal sealed class EmbeddingUsageDto
{
    public int PromptTokens { get; set; }

    public int TotalTokens { get; set; }
}
