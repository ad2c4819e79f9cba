using MessagePack;

namespace LlmFramework.Protocol;

/// <summary>A chat request on the binary streaming route: the same fields as an OpenAI chat completion request, keyed by integers.</summary>
[MessagePackObject]
public sealed class BinaryChatRequest
{
    /// <summary>The model id, as listed by <c>GET /v1/models</c>; empty = the host's default model.</summary>
    [Key(0)]
    public string Model { get; set; } = "";

    /// <summary>The conversation.</summary>
    [Key(1)]
    public IReadOnlyList<BinaryChatMessage> Messages { get; set; } = [];

    /// <summary>Most tokens to generate; null = the host's default.</summary>
    [Key(2)]
    public int? MaxTokens { get; set; }

    /// <summary>Sampling temperature (0 = greedy); null = the host's default.</summary>
    [Key(3)]
    public float? Temperature { get; set; }

    /// <summary>Nucleus sampling; null = the host's default.</summary>
    [Key(4)]
    public float? TopP { get; set; }

    /// <summary>Top-k sampling; null = the host's default.</summary>
    [Key(5)]
    public int? TopK { get; set; }

    /// <summary>Seed for reproducible sampling.</summary>
    [Key(6)]
    public long? Seed { get; set; }

    /// <summary>Stop strings.</summary>
    [Key(7)]
    public IReadOnlyList<string> Stop { get; set; } = [];

    /// <summary>Scheduling priority (lower runs sooner under the priority policy).</summary>
    [Key(8)]
    public int Priority { get; set; }
}
