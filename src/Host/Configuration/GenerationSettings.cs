namespace LlmFramework.Host.Configuration;

/// <summary>LlmFramework:Generation: defaults for requests that do not say otherwise.</summary>
public sealed class GenerationSettings
{
    /// <summary>Tokens to generate.</summary>
    public int MaxTokens { get; set; } = 128;

    /// <summary>Temperature (0 = greedy).</summary>
    public float Temperature { get; set; } = 0.8f;

    /// <summary>Top-k (0 = off).</summary>
    public int TopK { get; set; } = 40;

    /// <summary>Top-p (1 = off).</summary>
    public float TopP { get; set; } = 0.95f;

    /// <summary>Min-p (0 = off).</summary>
    public float MinP { get; set; } = 0.05f;

    /// <summary>Repetition penalty (1 = off).</summary>
    public float RepetitionPenalty { get; set; } = 1.1f;

    /// <summary>Seed; null = random.</summary>
    public ulong? Seed { get; set; }

    /// <summary>Stop strings.</summary>
    public List<string> Stop { get; set; } = [];
}
