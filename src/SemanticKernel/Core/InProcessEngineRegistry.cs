using LlmFramework.SemanticKernel.Settings;
using Microsoft.Extensions.Logging;

namespace LlmFramework.SemanticKernel.Core;

/// <summary>
/// The in-process engines of one service container, one per <see cref="LlmFrameworkInProcessOptions.SharingKey"/>:
/// every chat client, chat completion service and embedding generator registered with the same configuration runs on
/// the same engine. Registered as a singleton, so the container disposes the engines with itself.
/// </summary>
internal sealed class InProcessEngineRegistry(ILoggerFactory? loggerFactory) : IDisposable
{
    private readonly Dictionary<string, Lazy<InProcessEngine>> _engines = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>The engine for <paramref name="options"/>, started on first use.</summary>
    public InProcessEngine GetOrStart(LlmFrameworkInProcessOptions options)
    {
        Lazy<InProcessEngine> engine;
        lock (_engines)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            string key = options.SharingKey;
            if (!_engines.TryGetValue(key, out engine!))
            {
                engine = new Lazy<InProcessEngine>(() => InProcessEngine.Start(options, loggerFactory), LazyThreadSafetyMode.ExecutionAndPublication);
                _engines.Add(key, engine);
            }
        }

        try
        {
            return engine.Value;
        }
        catch
        {
            // A failed start is not cached: the next resolution tries again (and reports the error again).
            lock (_engines)
            {
                _engines.Remove(options.SharingKey);
            }

            throw;
        }
    }

    public void Dispose()
    {
        lock (_engines)
        {
            _disposed = true;
            foreach (Lazy<InProcessEngine> engine in _engines.Values.Where(e => e.IsValueCreated))
            {
                engine.Value.Dispose();
            }

            _engines.Clear();
        }
    }
}
