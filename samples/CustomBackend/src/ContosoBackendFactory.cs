using System.Runtime.Intrinsics;
using LlmFramework.Abstractions.Backends;

namespace Contoso.LlmBackend;

/// <summary>Creates <see cref="ContosoBackend"/> instances. The sample has one device, "contoso:0" (the host CPU).</summary>
public sealed class ContosoBackendFactory : IBackendFactory
{
    /// <summary>The backend name used in configuration (LlmFramework:Backends:Preferred).</summary>
    public const string BackendName = "contoso";

    /// <summary>The only device.</summary>
    public static readonly DeviceInfo Device = new(
        "contoso:0",
        DeviceKind.Cpu,
        0,
        $"Contoso sample device on the host CPU (Vector256 {(Vector256.IsHardwareAccelerated ? "accelerated" : "emulated: scalar loops")})");

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    public IReadOnlyList<DeviceInfo> EnumerateDevices() => [Device];

    /// <inheritdoc />
    public IBackend Create(BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Device is { } name && !string.Equals(name, Device.Name, StringComparison.OrdinalIgnoreCase))
        {
            // NotSupportedException is the contract's "device absent": the host logs the reason and skips the backend.
            throw new NotSupportedException($"the contoso backend has one device, \"{Device.Name}\"; \"{name}\" does not exist");
        }

        return new ContosoBackend(Device);
    }
}
