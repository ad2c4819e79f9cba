using LlmFramework.Host.Configuration;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Serving;

/// <summary>What the routes share: settings, the served models, the drain state, counters and the log.</summary>
internal sealed class ServerContext(HostOptions options, ModelRegistry models, ServerState state, HttpRequestCounters counters, ILogger logger)
{
    public HostOptions Options { get; } = options;

    public ServerOptions Server => Options.Server;

    public ModelRegistry Models { get; } = models;

    public ServerState State { get; } = state;

    public HttpRequestCounters Counters { get; } = counters;

    public ILogger Logger { get; } = logger;
}
