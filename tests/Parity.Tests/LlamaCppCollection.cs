namespace LlmFramework.Parity.Tests;

/// <summary>
/// Runs the parity classes one after another: each uses both cores, so running them side by side only thrashes
/// (the machine has 2).
/// </summary>
[CollectionDefinition(Name)]
public sealed class LlamaCppCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "llama.cpp";
}
