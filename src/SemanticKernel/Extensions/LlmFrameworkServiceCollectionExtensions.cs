using LlmFramework.SemanticKernel.Core;
using LlmFramework.SemanticKernel.Services;
using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel.ChatCompletion;

namespace LlmFramework.SemanticKernel.Extensions;

/// <summary>
/// Registers LlmFramework chat and embedding services in a service collection: in-process (a host config file and/or
/// <see cref="LlmFrameworkInProcessOptions"/>; every registration with the same configuration shares one engine,
/// disposed with the container) or remote (an endpoint, API key and transport). With a <c>serviceId</c> the service is
/// registered keyed by it (Semantic Kernel's serviceId), otherwise as the default.
/// </summary>
public static class LlmFrameworkServiceCollectionExtensions
{
    /// <summary>Registers an in-process <see cref="IChatClient"/> on the model of <paramref name="configFile"/> (null = the default model).</summary>
    public static IServiceCollection AddLlmFrameworkChatClient(this IServiceCollection services, string? configFile = null, string? serviceId = null) =>
        services.AddLlmFrameworkChatClient(new LlmFrameworkInProcessOptions { ConfigFile = configFile }, serviceId);

    /// <summary>Registers an in-process <see cref="IChatClient"/>.</summary>
    public static IServiceCollection AddLlmFrameworkChatClient(this IServiceCollection services, LlmFrameworkInProcessOptions options, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return services.AddRegistry().AddService<IChatClient>(serviceId, sp => new LlmFrameworkChatClient(Engine(sp, options)));
    }

    /// <summary>Registers a remote <see cref="IChatClient"/> for the host at <paramref name="endpoint"/> (its /v1 base address).</summary>
    public static IServiceCollection AddLlmFrameworkChatClient(this IServiceCollection services, Uri endpoint, string? apiKey = null, RemoteTransport transport = RemoteTransport.Sse, string? modelId = null, string? serviceId = null) =>
        services.AddLlmFrameworkChatClient(Remote(endpoint, apiKey, transport, modelId), serviceId);

    /// <summary>Registers a remote <see cref="IChatClient"/>.</summary>
    public static IServiceCollection AddLlmFrameworkChatClient(this IServiceCollection services, LlmFrameworkRemoteOptions options, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return services.AddService<IChatClient>(serviceId, _ => new LlmFrameworkRemoteChatClient(options));
    }

    /// <summary>Registers an in-process <see cref="IChatCompletionService"/> (the chat client through <c>AsChatCompletionService()</c>).</summary>
    public static IServiceCollection AddLlmFrameworkChatCompletion(this IServiceCollection services, string? configFile = null, string? serviceId = null) =>
        services.AddLlmFrameworkChatCompletion(new LlmFrameworkInProcessOptions { ConfigFile = configFile }, serviceId);

    /// <summary>Registers an in-process <see cref="IChatCompletionService"/>.</summary>
    public static IServiceCollection AddLlmFrameworkChatCompletion(this IServiceCollection services, LlmFrameworkInProcessOptions options, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return services.AddRegistry().AddChatCompletion(serviceId, sp => new LlmFrameworkChatClient(Engine(sp, options)));
    }

    /// <summary>Registers a remote <see cref="IChatCompletionService"/> for the host at <paramref name="endpoint"/>.</summary>
    public static IServiceCollection AddLlmFrameworkChatCompletion(this IServiceCollection services, Uri endpoint, string? apiKey = null, RemoteTransport transport = RemoteTransport.Sse, string? modelId = null, string? serviceId = null) =>
        services.AddLlmFrameworkChatCompletion(Remote(endpoint, apiKey, transport, modelId), serviceId);

    /// <summary>Registers a remote <see cref="IChatCompletionService"/>.</summary>
    public static IServiceCollection AddLlmFrameworkChatCompletion(this IServiceCollection services, LlmFrameworkRemoteOptions options, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return services.AddChatCompletion(serviceId, _ => new LlmFrameworkRemoteChatClient(options));
    }

    /// <summary>Registers an in-process <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> on the model of <paramref name="configFile"/>.</summary>
    public static IServiceCollection AddLlmFrameworkEmbeddingGenerator(this IServiceCollection services, string? configFile = null, string? serviceId = null) =>
        services.AddLlmFrameworkEmbeddingGenerator(new LlmFrameworkInProcessOptions { ConfigFile = configFile }, serviceId);

    /// <summary>Registers an in-process <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
    public static IServiceCollection AddLlmFrameworkEmbeddingGenerator(this IServiceCollection services, LlmFrameworkInProcessOptions options, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return services.AddRegistry().AddService<IEmbeddingGenerator<string, Embedding<float>>>(serviceId, sp => new LlmFrameworkEmbeddingGenerator(Engine(sp, options)));
    }

    /// <summary>Registers a remote <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> for the host at <paramref name="endpoint"/>.</summary>
    public static IServiceCollection AddLlmFrameworkEmbeddingGenerator(this IServiceCollection services, Uri endpoint, string? apiKey = null, string? modelId = null, string? serviceId = null) =>
        services.AddLlmFrameworkEmbeddingGenerator(Remote(endpoint, apiKey, RemoteTransport.Sse, modelId), serviceId);

    /// <summary>Registers a remote <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.</summary>
    public static IServiceCollection AddLlmFrameworkEmbeddingGenerator(this IServiceCollection services, LlmFrameworkRemoteOptions options, string? serviceId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return services.AddService<IEmbeddingGenerator<string, Embedding<float>>>(serviceId, _ => new LlmFrameworkRemoteEmbeddingGenerator(options));
    }

    private static LlmFrameworkRemoteOptions Remote(Uri endpoint, string? apiKey, RemoteTransport transport, string? modelId) =>
        new() { Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint)), ApiKey = apiKey, Transport = transport, ModelId = modelId };

    private static InProcessEngine Engine(IServiceProvider sp, LlmFrameworkInProcessOptions options) =>
        sp.GetRequiredService<InProcessEngineRegistry>().GetOrStart(options);

    private static IServiceCollection AddRegistry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(sp => new InProcessEngineRegistry(sp.GetService<ILoggerFactory>()));
        return services;
    }

    private static IServiceCollection AddService<TService>(this IServiceCollection services, string? serviceId, Func<IServiceProvider, TService> factory)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(services);
        if (serviceId is null)
        {
            services.AddSingleton(factory);
        }
        else
        {
            services.AddKeyedSingleton<TService>(serviceId, (sp, _) => factory(sp));
        }

        return services;
    }

    /// <summary>
    /// The chat completion service over a chat client that the container holds (under a private key, so that it is
    /// disposed with the container but not resolved as the application's IChatClient).
    /// </summary>
    private static IServiceCollection AddChatCompletion(this IServiceCollection services, string? serviceId, Func<IServiceProvider, IChatClient> client)
    {
        ArgumentNullException.ThrowIfNull(services);
        object clientKey = new ChatCompletionClientKey(serviceId);
        services.AddKeyedSingleton(clientKey, (sp, _) => client(sp));
        return services.AddService<IChatCompletionService>(serviceId, sp => sp.GetRequiredKeyedService<IChatClient>(clientKey).AsChatCompletionService(sp));
    }
}
