namespace LlmFramework.Abstractions.Models;

/// <summary>Options for <see cref="IModelFamily.Load"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Longest context to plan for; 0 means the model's own maximum.</summary>
    public int ContextLength { get; init; }
}
