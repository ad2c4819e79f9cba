namespace LlmFramework.Host.Tests.Serving;

/// <summary>Server tests share one default-model server and run one at a time (they read its engine's counters).</summary>
[CollectionDefinition(Name)]
public sealed class ServingCollection : ICollectionFixture<SharedServer>
{
    public const string Name = "serving";
}
