namespace LlmFramework.Protocol;

/// <summary>
/// The host's binary streaming route: a client POSTs one MessagePack-encoded <see cref="BinaryChatRequest"/> (content
/// type <see cref="RequestContentType"/>) to <see cref="Route"/>; the server answers with a stream of MessagePack
/// values, one <see cref="BinaryStreamFrame"/> each, written back to back (MessagePack values are self-delimiting; read
/// them with <c>MessagePackStreamReader</c>). The last frame is a <see cref="BinaryFrameKind.Final"/> or an
/// <see cref="BinaryFrameKind.Error"/> frame. Errors found before streaming starts are OpenAI-shaped JSON errors with
/// the usual status codes (400, 401, 404, 429), as on the JSON routes.
/// </summary>
public static class BinaryStreamProtocol
{
    /// <summary>The route.</summary>
    public const string Route = "/v1/llmf/chat/stream";

    /// <summary>Content type of the request body.</summary>
    public const string RequestContentType = "application/x-msgpack";

    /// <summary>Content type of the response: a stream of MessagePack values.</summary>
    public const string ResponseContentType = "application/x-msgpack-stream";

    /// <summary>Version of this protocol; sent by the server in the <c>X-Llmf-Protocol</c> response header.</summary>
    public const int Version = 1;
}
