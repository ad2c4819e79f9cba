namespace LlmFramework.SemanticKernel.Tests.Support;

/// <summary>Tests that share the default model's engine (and run one after another, so engine metrics stay readable).</summary>
[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "default model engine";
}
