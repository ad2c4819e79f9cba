namespace LlmFramework.Abstractions.Backends;

/// <summary>Options for <see cref="IBackendFactory.Create"/>.</summary>
public sealed record BackendOptions
{
    /// <summary>Device name (see <see cref="DeviceInfo.Name"/>); null for the backend's default.</summary>
    public string? Device { get; init; }

    /// <summary>Worker threads; 0 means one per core.</summary>
    public int Threads { get; init; }

    /// <summary>Backend-specific settings from the host configuration (key, value).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
