using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Services;

namespace LlmFramework.SemanticKernel.Tests.Support;

/// <summary>One in-process engine on the embedded default model, shared by the tests of the <see cref="EngineCollection"/>.</summary>
public sealed class EngineFixture : IDisposable
{
    public EngineFixture()
    {
        Engine = InProcessEngine.Start();
        Chat = new LlmFrameworkChatClient(Engine);
        Embeddings = new LlmFrameworkEmbeddingGenerator(Engine);
    }

    public InProcessEngine Engine { get; }

    public LlmFrameworkChatClient Chat { get; }

    public LlmFrameworkEmbeddingGenerator Embeddings { get; }

    public void Dispose() => Engine.Dispose();
}
