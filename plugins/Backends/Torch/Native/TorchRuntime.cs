using TorchSharp;

namespace LlmFramework.Backends.Torch.Native;

/// <summary>
/// Starts libtorch on first use (creating a backend or listing devices), never when the plugin is only registered:
/// every host start loads every plugin, and libtorch costs a 440 MB mapping and its thread pools.
/// </summary>
internal static class TorchRuntime
{
    private static readonly Lazy<string> CpuStart = new(StartCpu);
    private static readonly Lazy<CudaAvailability> CudaProbe = new(ProbeCuda);

    /// <summary>Whether libtorch has been started in this load context.</summary>
    public static bool IsStarted => CpuStart.IsValueCreated;

    /// <summary>libtorch's version, starting it on the CPU if needed.</summary>
    public static string EnsureStarted() => CpuStart.Value;

    /// <summary>What CUDA libtorch offers on this machine (asked once).</summary>
    public static CudaAvailability Cuda => CudaProbe.Value;

    private static string StartCpu()
    {
        TorchNativeLibraries.Install();
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (TypeInitializationException ex)
        {
            throw new InvalidOperationException($"libtorch did not start from {TorchNativeLibraries.Folder}: {ex.InnerException?.Message ?? ex.Message}", ex);
        }

        return torch.__version__;
    }

    private static CudaAvailability ProbeCuda()
    {
        EnsureStarted();
        string library = TorchNativeLibraries.FileName("torch_cuda");
        if (!TorchNativeLibraries.Preload("torch_cuda"))
        {
            return new CudaAvailability(0, $"{library} is not in {TorchNativeLibraries.Folder}: this build ships the CPU-only libtorch (package TorchSharp-cpu); build the plugin against TorchSharp-cuda-linux (or -windows) for CUDA");
        }

        if (!torch.TryInitializeDeviceType(DeviceType.CUDA) || !torch.cuda.is_available())
        {
            return new CudaAvailability(0, $"libtorch was built with CUDA ({library} is present) but torch.cuda.is_available() is false: no GPU is visible (check the NVIDIA driver and CUDA_VISIBLE_DEVICES)");
        }

        int count = torch.cuda.device_count();
        return new CudaAvailability(count, count == 0 ? "torch.cuda.device_count() is 0" : $"{count} CUDA device(s)");
    }
}
