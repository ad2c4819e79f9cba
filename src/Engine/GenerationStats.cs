namespace LlmFramework.Engine;

/// <summary>Timing of one generation.</summary>
public sealed record GenerationStats
{
    /// <summary>Prompt tokens processed.</summary>
    public int PrefillTokens { get; init; }

    /// <summary>Seconds spent on the prompt (until the first generated token's logits).</summary>
    public double PrefillSeconds { get; init; }

    /// <summary>Tokens generated after the first (each one a decode step).</summary>
    public int DecodeTokens { get; init; }

    /// <summary>Seconds spent on decode steps.</summary>
    public double DecodeSeconds { get; init; }

    /// <summary>Prompt tokens per second.</summary>
    public double PrefillTokensPerSecond => PrefillSeconds > 0 ? PrefillTokens / PrefillSeconds : 0;

    /// <summary>Decode tokens per second.</summary>
    public double DecodeTokensPerSecond => DecodeSeconds > 0 ? DecodeTokens / DecodeSeconds : 0;
}
