using LlmFramework.Abstractions.Backends;
using LlmFramework.Backends.Torch.Devices;

namespace LlmFramework.Backends.Torch;

/// <summary>
/// Creates <see cref="TorchBackend"/> instances on "cpu", "cuda" or "cuda:N" (<see cref="DeviceKey"/>). Nothing of
/// libtorch is touched until <see cref="EnumerateDevices"/> or <see cref="Create"/> is called.
/// </summary>
public sealed class TorchBackendFactory : IBackendFactory
{
    /// <summary>The backend's name in configuration.</summary>
    public const string BackendName = "torch";

    /// <summary>The configuration key that chooses the device.</summary>
    public const string DeviceKey = "LlmFramework:Backends:Devices:torch";

    /// <summary>The configuration section of the backend's settings.</summary>
    public const string SettingsSection = "LlmFramework:Backends:Settings:torch";

    /// <summary>The setting that allows falling back to the CPU when the configured CUDA device is absent ("cpu"; default "none").</summary>
    public const string FallbackKey = SettingsSection + ":" + TorchBackendSettings.FallbackSetting;

    private readonly TextWriter? _warnings;

    /// <summary>Creates the factory; warnings (a CPU fallback) go to standard error.</summary>
    public TorchBackendFactory()
    {
    }

    /// <summary>Creates the factory with warnings written to <paramref name="warnings"/> (tests).</summary>
    internal TorchBackendFactory(TextWriter warnings)
    {
        _warnings = warnings;
    }

    /// <inheritdoc />
    public string Name => BackendName;

    /// <inheritdoc />
    /// <remarks>Starts libtorch. CUDA devices come first (the default device when no device is configured), then "cpu".</remarks>
    public IReadOnlyList<DeviceInfo> EnumerateDevices() => TorchDeviceSelector.Enumerate();

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An unknown device name, setting or thread count.</exception>
    /// <exception cref="TorchDeviceUnavailableException">A CUDA device was configured, is absent, and <see cref="FallbackKey"/> is not "cpu".</exception>
    public IBackend Create(BackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "BackendOptions.Threads must be 0 (one per core) or positive");
        }

        TorchBackendSettings settings = TorchBackendSettings.Parse(options.Settings);
        TorchDeviceChoice device = TorchDeviceSelector.Choose(options.Device, settings, _warnings ?? Console.Error);
        return new TorchBackend(device, options.Threads == 0 ? Environment.ProcessorCount : options.Threads);
    }
}
