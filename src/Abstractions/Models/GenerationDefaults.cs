namespace LlmFramework.Abstractions.Models;

/// <summary>Sampling defaults a checkpoint ships (generation_config.json); null where it says nothing.</summary>
public sealed record GenerationDefaults
{
    /// <summary>Temperature.</summary>
    public float? Temperature { get; init; }

    /// <summary>Top-p.</summary>
    public float? TopP { get; init; }

    /// <summary>Top-k.</summary>
    public int? TopK { get; init; }

    /// <summary>Repetition penalty.</summary>
    public float? RepetitionPenalty { get; init; }

    /// <summary>Extra end-of-sequence ids.</summary>
    public IReadOnlyList<int> EosIds { get; init; } = [];
}
