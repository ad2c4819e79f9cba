namespace LlmFramework.SemanticKernel.Settings;

/// <summary>How to reach a remote LlmFramework host.</summary>
public sealed class LlmFrameworkRemoteOptions
{
    /// <summary>
    /// The host's OpenAI-compatible base address, ending in <c>/v1</c> (e.g. <c>http://127.0.0.1:8080/v1</c>): the
    /// routes <c>chat/completions</c>, <c>embeddings</c>, <c>models</c> and <c>llmf/chat/stream</c> are found under it.
    /// </summary>
    public Uri? Endpoint { get; set; }

    /// <summary>Sent as <c>Authorization: Bearer KEY</c>; null or empty sends none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How chat requests travel; embeddings and the model list always use the JSON routes.</summary>
    public RemoteTransport Transport { get; set; } = RemoteTransport.Sse;

    /// <summary>The model id sent with each request (a <c>ChatOptions.ModelId</c> wins); null = the host's default model.</summary>
    public string? ModelId { get; set; }

    /// <summary>
    /// How long a request may wait for the server to start answering (a streamed reply then runs as long as it needs; cancel
    /// its token to stop it); <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for no limit.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is missing or wrong.</summary>
    public void Validate()
    {
        if (Endpoint is null)
        {
            throw new ArgumentException("LlmFrameworkRemoteOptions.Endpoint is not set: give the host's base address, e.g. http://127.0.0.1:8080/v1");
        }

        if (!Endpoint.IsAbsoluteUri || (Endpoint.Scheme != Uri.UriSchemeHttp && Endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"LlmFrameworkRemoteOptions.Endpoint must be an absolute http or https address, got '{Endpoint}'");
        }

        if (!Enum.IsDefined(Transport))
        {
            throw new ArgumentException($"LlmFrameworkRemoteOptions.Transport must be Sse or MessagePack, got {(int)Transport}");
        }

        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"LlmFrameworkRemoteOptions.Timeout must be positive (or infinite), got {Timeout}");
        }
    }
}
