using Microsoft.Extensions.AI;
using EngineFinishReason = LlmFramework.Engine.Generation.FinishReason;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>Maps the engine's and the wire's finish reasons to <see cref="ChatFinishReason"/>.</summary>
internal static class FinishReasons
{
    /// <summary>"cancelled": the generation was stopped before it finished (by the server, or by a caller that did not cancel this request).</summary>
    public static ChatFinishReason Cancelled { get; } = new("cancelled");

    /// <summary>Length and a full context become Length; a stop string or end-of-sequence token, Stop.</summary>
    public static ChatFinishReason FromEngine(EngineFinishReason reason) => reason switch
    {
        EngineFinishReason.Length or EngineFinishReason.ContextFull => ChatFinishReason.Length,
        EngineFinishReason.Stop or EngineFinishReason.EndOfSequence => ChatFinishReason.Stop,
        _ => Cancelled,
    };

    /// <summary>The OpenAI names ("stop", "length", "tool_calls", "content_filter"; anything else is kept as it is).</summary>
    public static ChatFinishReason? FromWire(string? reason) => reason switch
    {
        null or "" => null,
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        "cancelled" => Cancelled,
        _ => new ChatFinishReason(reason),
    };
}
