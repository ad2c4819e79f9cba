using System.Globalization;
using LlmFramework.Abstractions.Backends;
using LlmFramework.Backends.Torch.Native;
using TorchSharp;

namespace LlmFramework.Backends.Torch.Devices;

/// <summary>
/// Maps the configured device name to a libtorch device: "cpu", "cuda" (= "cuda:0") or "cuda:N"; no name means the
/// first CUDA device when there is one, else the CPU. A CUDA device that is not present is an error
/// (<see cref="TorchDeviceUnavailableException"/>) unless the CPU fallback is configured, which warns instead.
/// </summary>
internal static class TorchDeviceSelector
{
    /// <summary>Lists the devices: CUDA devices first (the default), then the CPU.</summary>
    public static IReadOnlyList<DeviceInfo> Enumerate()
    {
        string version = TorchRuntime.EnsureStarted();
        var devices = new List<DeviceInfo>();
        for (int i = 0; i < TorchRuntime.Cuda.DeviceCount; i++)
        {
            devices.Add(CudaInfo(i, version));
        }

        devices.Add(CpuInfo(version, null));
        return devices;
    }

    /// <summary>Chooses the device for <paramref name="requested"/>; warnings (the CPU fallback) go to <paramref name="warnings"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a torch device name.</exception>
    /// <exception cref="TorchDeviceUnavailableException">A CUDA device was asked for, is absent, and no fallback is configured.</exception>
    public static TorchDeviceChoice Choose(string? requested, TorchBackendSettings settings, TextWriter warnings)
    {
        string version = TorchRuntime.EnsureStarted();
        int? cudaIndex = ParseCudaIndex(requested);
        if (cudaIndex is null)
        {
            return string.IsNullOrWhiteSpace(requested) && TorchRuntime.Cuda.DeviceCount > 0
                ? new TorchDeviceChoice(new torch.Device(DeviceType.CUDA, 0), CudaInfo(0, version), null)
                : new TorchDeviceChoice(torch.CPU, CpuInfo(version, null), null);
        }

        CudaAvailability cuda = TorchRuntime.Cuda;
        int index = cudaIndex.Value;
        if (index < cuda.DeviceCount)
        {
            return new TorchDeviceChoice(new torch.Device(DeviceType.CUDA, index), CudaInfo(index, version), null);
        }

        string missing = cuda.DeviceCount == 0
            ? cuda.Detail
            : $"there is no cuda:{index}: libtorch sees {cuda.DeviceCount} CUDA device(s), cuda:0 to cuda:{cuda.DeviceCount - 1}";
        string asked = $"{TorchBackendFactory.DeviceKey} = \"{requested}\"";
        if (!settings.FallbackToCpu)
        {
            throw new TorchDeviceUnavailableException(
                $"{asked}, but CUDA is not available: {missing}. Set {TorchBackendFactory.DeviceKey}=cpu, or {TorchBackendFactory.FallbackKey}=cpu to fall back to the torch CPU device with a warning");
        }

        string reason = $"{asked}, but CUDA is not available: {missing}";
        warnings.WriteLine($"warn: torch backend: {reason}; falling back to the torch CPU device ({TorchBackendFactory.FallbackKey}=cpu)");
        return new TorchDeviceChoice(torch.CPU, CpuInfo(version, reason), reason);
    }

    /// <summary>The CUDA index named by <paramref name="name"/>, or null for the CPU (and for no name).</summary>
    private static int? ParseCudaIndex(string? name)
    {
        string trimmed = name?.Trim() ?? "";
        if (trimmed.Length == 0 || string.Equals(trimmed, "cpu", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (string.Equals(trimmed, "cuda", StringComparison.OrdinalIgnoreCase))
        {
            return 0;
        }

        if (trimmed.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(trimmed.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return index;
        }

        throw new ArgumentException($"{TorchBackendFactory.DeviceKey} = \"{name}\" is not a torch device; use cpu, cuda or cuda:N", nameof(name));
    }

    private static DeviceInfo CpuInfo(string version, string? fallbackReason) => new(
        "cpu",
        DeviceKind.Cpu,
        0,
        $"libtorch {version} on the host CPU{(fallbackReason is null ? "" : $" (fallback: {fallbackReason})")}");

    private static DeviceInfo CudaInfo(int index, string version) =>
        new($"cuda:{index}", DeviceKind.Cuda, 0, $"libtorch {version}, CUDA device {index}");
}
