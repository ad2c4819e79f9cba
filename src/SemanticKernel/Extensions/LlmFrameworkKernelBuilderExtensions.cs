using LlmFramework.SemanticKernel.Settings;
using Microsoft.SemanticKernel;

namespace LlmFramework.SemanticKernel.Extensions;

/// <summary>
/// The <see cref="IKernelBuilder"/> twins of <see cref="LlmFrameworkServiceCollectionExtensions"/>: each registers the
/// same service in <see cref="IKernelBuilder.Services"/> and returns the builder.
/// </summary>
public static class LlmFrameworkKernelBuilderExtensions
{
    /// <summary>Adds an in-process chat completion service on the model of <paramref name="configFile"/> (null = the default model).</summary>
    public static IKernelBuilder AddLlmFrameworkChatCompletion(this IKernelBuilder builder, string? configFile = null, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatCompletion(configFile, serviceId));

    /// <summary>Adds an in-process chat completion service.</summary>
    public static IKernelBuilder AddLlmFrameworkChatCompletion(this IKernelBuilder builder, LlmFrameworkInProcessOptions options, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatCompletion(options, serviceId));

    /// <summary>Adds a remote chat completion service for the host at <paramref name="endpoint"/> (its /v1 base address).</summary>
    public static IKernelBuilder AddLlmFrameworkChatCompletion(this IKernelBuilder builder, Uri endpoint, string? apiKey = null, RemoteTransport transport = RemoteTransport.Sse, string? modelId = null, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatCompletion(endpoint, apiKey, transport, modelId, serviceId));

    /// <summary>Adds a remote chat completion service.</summary>
    public static IKernelBuilder AddLlmFrameworkChatCompletion(this IKernelBuilder builder, LlmFrameworkRemoteOptions options, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatCompletion(options, serviceId));

    /// <summary>Adds an in-process chat client on the model of <paramref name="configFile"/>.</summary>
    public static IKernelBuilder AddLlmFrameworkChatClient(this IKernelBuilder builder, string? configFile = null, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatClient(configFile, serviceId));

    /// <summary>Adds an in-process chat client.</summary>
    public static IKernelBuilder AddLlmFrameworkChatClient(this IKernelBuilder builder, LlmFrameworkInProcessOptions options, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatClient(options, serviceId));

    /// <summary>Adds a remote chat client for the host at <paramref name="endpoint"/>.</summary>
    public static IKernelBuilder AddLlmFrameworkChatClient(this IKernelBuilder builder, Uri endpoint, string? apiKey = null, RemoteTransport transport = RemoteTransport.Sse, string? modelId = null, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatClient(endpoint, apiKey, transport, modelId, serviceId));

    /// <summary>Adds a remote chat client.</summary>
    public static IKernelBuilder AddLlmFrameworkChatClient(this IKernelBuilder builder, LlmFrameworkRemoteOptions options, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkChatClient(options, serviceId));

    /// <summary>Adds an in-process embedding generator on the model of <paramref name="configFile"/>.</summary>
    public static IKernelBuilder AddLlmFrameworkEmbeddingGenerator(this IKernelBuilder builder, string? configFile = null, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkEmbeddingGenerator(configFile, serviceId));

    /// <summary>Adds an in-process embedding generator.</summary>
    public static IKernelBuilder AddLlmFrameworkEmbeddingGenerator(this IKernelBuilder builder, LlmFrameworkInProcessOptions options, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkEmbeddingGenerator(options, serviceId));

    /// <summary>Adds a remote embedding generator for the host at <paramref name="endpoint"/>.</summary>
    public static IKernelBuilder AddLlmFrameworkEmbeddingGenerator(this IKernelBuilder builder, Uri endpoint, string? apiKey = null, string? modelId = null, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkEmbeddingGenerator(endpoint, apiKey, modelId, serviceId));

    /// <summary>Adds a remote embedding generator.</summary>
    public static IKernelBuilder AddLlmFrameworkEmbeddingGenerator(this IKernelBuilder builder, LlmFrameworkRemoteOptions options, string? serviceId = null) =>
        Add(builder, s => s.AddLlmFrameworkEmbeddingGenerator(options, serviceId));

    private static IKernelBuilder Add(IKernelBuilder builder, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection> register)
    {
        ArgumentNullException.ThrowIfNull(builder);
        register(builder.Services);
        return builder;
    }
}
