namespace LlmFramework.SemanticKernel.Core;

/// <summary>The <c>GetService</c> answer shared by the chat clients and embedding generators.</summary>
internal static class ClientServices
{
    /// <summary>
    /// For no key: the client's metadata (<c>ChatClientMetadata</c> or <c>EmbeddingGeneratorMetadata</c>), the engine it runs
    /// on (in-process), or the client itself when it is of the asked type; otherwise null.
    /// </summary>
    public static object? Get(object client, Type serviceType, object? serviceKey, object metadata, InProcessEngine? engine = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == metadata.GetType())
        {
            return metadata;
        }

        if (engine is not null && serviceType == typeof(InProcessEngine))
        {
            return engine;
        }

        return serviceType.IsInstanceOfType(client) ? client : null;
    }
}
