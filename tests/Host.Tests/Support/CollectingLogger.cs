using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LlmFramework.Host.Tests.Support;

/// <summary>An <see cref="ILogger"/> that keeps every message (thread-safe), so tests can assert what was logged.</summary>
public sealed class CollectingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Message)> Entries => _entries.ToArray();

    public IReadOnlyList<string> MessagesAtOrAbove(LogLevel level) => Entries.Where(e => e.Level >= level).Select(e => e.Message).ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        string message = formatter(state, exception);
        if (exception is not null)
        {
            message += " | " + exception.GetType().Name + ": " + exception.Message;
        }

        _entries.Enqueue((logLevel, message));
    }
}
