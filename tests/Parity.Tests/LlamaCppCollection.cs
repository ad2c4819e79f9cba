namespace LlmFramework.Parity.Tests;

/// <summary>
/// Runs the parity classes one after another: each uses both cores, so running them side by side only thrashes
/// (the machine has 2). The models they compare are written once per run by the shared <see cref="ParityModelStore"/>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LlamaCppCollection : ICollectionFixture<ParityModelStore>
{
    /// <summary>The collection name.</summary>
    public const string Name = "llama.cpp";
}
