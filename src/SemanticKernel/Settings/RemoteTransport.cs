namespace LlmFramework.SemanticKernel.Settings;

/// <summary>How a remote client talks to an LlmFramework host.</summary>
public enum RemoteTransport
{
    /// <summary>The OpenAI-compatible JSON routes; streaming replies come as server-sent events.</summary>
    Sse = 0,

    /// <summary>
    /// The binary streaming route (<c>POST /v1/llmf/chat/stream</c>): a MessagePack request and a stream of MessagePack
    /// frames. Chat only; embeddings and the model list still use the JSON routes.
    /// </summary>
    MessagePack = 1,
}
