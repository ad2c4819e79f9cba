using LlmFramework.Abstractions.Backends;

namespace LlmFramework.Backends.Cpu;

/// <summary>Creates <see cref="CpuBackend"/> instances on the single device "cpu".</summary>
public sealed class CpuBackendFactory : IBackendFactory
{
    /// <summary>The only device name.</summary>
    public const string DeviceName = "cpu";

    private static readonly Lazy<DeviceInfo> TheDevice = new(() => new DeviceInfo(DeviceName, DeviceKind.Cpu, 0, CpuFeatures.Describe()));

    /// <inheritdoc />
    public string Name => "cpu";

    /// <inheritdoc />
    public IReadOnlyList<DeviceInfo> EnumerateDevices() => [TheDevice.Value];

    /// <inheritdoc />
    public IBackend Create(BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Device is { } device && !string.Equals(device, DeviceName, StringComparison.OrdinalIgnoreCase))
        {
            throw new NotSupportedException($"the cpu backend has one device, \"{DeviceName}\"; \"{device}\" does not exist");
        }

        if (options.Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "BackendOptions.Threads must be 0 (one per core) or positive");
        }

        int threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        return new CpuBackend(TheDevice.Value, threads);
    }
}
