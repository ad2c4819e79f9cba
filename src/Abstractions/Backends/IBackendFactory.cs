namespace LlmFramework.Abstractions.Backends;

/// <summary>Creates backend instances; registered by a backend plugin.</summary>
public interface IBackendFactory
{
    /// <summary>Backend name used in configuration (e.g. "cpu").</summary>
    string Name { get; }

    /// <summary>The devices this backend can use on this machine (empty when none is present).</summary>
    IReadOnlyList<DeviceInfo> EnumerateDevices();

    /// <summary>
    /// Creates a backend on <paramref name="options"/>.Device (or the first device). Throws
    /// <see cref="NotSupportedException"/> with the reason when the device is absent.
    /// </summary>
    IBackend Create(BackendOptions options);
}
