namespace LlmFramework.Abstractions.Models;

/// <summary>Options for <see cref="IModelFamily.Load"/>.</summary>
public sealed record ModelLoadOptions
{
    /// <summary>Longest context to plan for; 0 means the model's own maximum.</summary>
    public int ContextLength { get; init; }

    /// <summary>
    /// LoRA adapters to apply, in order (contract 1.1). A family that cannot apply adapters must throw
    /// <see cref="NotSupportedException"/> when this is not empty, never ignore it.
    /// </summary>
    public IReadOnlyList<AdapterSpec> Adapters { get; init; } = [];
}
