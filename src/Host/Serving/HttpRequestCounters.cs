using System.Collections.Concurrent;

namespace LlmFramework.Host.Serving;

/// <summary>HTTP requests answered, by route and status code (for /metrics).</summary>
internal sealed class HttpRequestCounters
{
    private readonly ConcurrentDictionary<(string Route, int Status), long> _counts = new();

    public void Count(string route, int status) => _counts.AddOrUpdate((route, status), 1, (_, n) => n + 1);

    public IReadOnlyList<KeyValuePair<(string Route, int Status), long>> Snapshot() =>
        [.. _counts.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Status)];
}
