namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Server: the HTTP server of the <c>serve</c> verb (see docs/serving.md).</summary>
public sealed class ServerOptions
{
    /// <summary>Default of <see cref="Urls"/>.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>Addresses to listen on, separated by ';' (port 0 picks a free port).</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>Keys accepted as <c>Authorization: Bearer KEY</c> on every /v1 route; empty = no authentication.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Key of the admin routes (/admin/...); empty = admin routes only from loopback addresses.</summary>
    public string AdminKey { get; set; } = "";

    /// <summary>Largest request body in bytes; larger ones are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest a generation request may run, in seconds, before it is cancelled (0 = no limit).</summary>
    public int RequestTimeoutSeconds { get; set; } = 600;

    /// <summary>On shutdown, how long in-flight requests may take to finish before they are cancelled, in seconds.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>max_tokens of a request that gives none; 0 = LlmFramework:Generation:MaxTokens. Clamped to the context left.</summary>
    public int DefaultMaxTokens { get; set; }

    /// <summary>Seconds a client is told to wait (Retry-After) when the queue is full.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Models served besides LlmFramework:Model, chosen by a request's "model" field.</summary>
    public List<ModelOptions> Models { get; set; } = [];
}
