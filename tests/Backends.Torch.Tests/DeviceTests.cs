using LlmFramework.Abstractions.Backends;
using LlmFramework.Backends.Torch.Native;
using LlmFramework.Conformance;

namespace LlmFramework.Backends.Torch.Tests;

/// <summary>
/// Device choice: "cpu", "cuda", "cuda:N" (<see cref="TorchBackendFactory.DeviceKey"/>). A CUDA device that is absent
/// stops the run with an error naming the key and what is missing, unless the CPU fallback is configured
/// (<see cref="TorchBackendFactory.FallbackKey"/> = "cpu"), which warns and runs on the torch CPU device. This machine
/// has the CPU-only libtorch; on a CUDA machine "cuda:N" with N = the device count is still absent.
/// </summary>
public sealed class DeviceTests
{
    private static string AbsentCudaDevice => $"cuda:{TorchRuntime.Cuda.DeviceCount}";

    [Fact]
    public void Devices_list_the_cpu_last_and_a_cuda_device_for_each_gpu_libtorch_sees()
    {
        IReadOnlyList<DeviceInfo> devices = new TorchBackendFactory().EnumerateDevices();

        DeviceInfo cpu = devices[^1];
        Assert.Equal("cpu", cpu.Name);
        Assert.Equal(DeviceKind.Cpu, cpu.Kind);
        Assert.Contains("libtorch 2.", cpu.Description, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, TorchRuntime.Cuda.DeviceCount).Select(i => $"cuda:{i}"), devices.SkipLast(1).Select(d => d.Name));
        Assert.All(devices.SkipLast(1), d => Assert.Equal(DeviceKind.Cuda, d.Kind));
    }

    [Fact]
    public void An_absent_cuda_device_is_an_error_that_names_the_key_and_what_is_missing()
    {
        var factory = new TorchBackendFactory(TextWriter.Null);

        var error = Assert.Throws<TorchDeviceUnavailableException>(() => factory.Create(new BackendOptions { Device = AbsentCudaDevice }));

        // Not a NotSupportedException: the host would skip the backend with only a log line.
        Assert.IsAssignableFrom<InvalidOperationException>(error);
        Assert.Contains($"{TorchBackendFactory.DeviceKey} = \"{AbsentCudaDevice}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(TorchBackendFactory.FallbackKey + "=cpu", error.Message, StringComparison.Ordinal);
        if (TorchRuntime.Cuda.DeviceCount == 0)
        {
            Assert.Contains(TorchRuntime.Cuda.Detail, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("CUDA:1")]
    public void Without_cuda_libraries_every_cuda_device_is_absent_and_the_error_says_why(string device)
    {
        if (TorchRuntime.Cuda.DeviceCount > 0)
        {
            return; // a CUDA machine: these devices may exist.
        }

        var error = Assert.Throws<TorchDeviceUnavailableException>(() => new TorchBackendFactory(TextWriter.Null).Create(new BackendOptions { Device = device }));

        Assert.Contains($"\"{device}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("libtorch_cuda.so is not in", error.Message, StringComparison.Ordinal);
        Assert.Contains("TorchSharp-cpu", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_the_fallback_setting_an_absent_cuda_device_warns_and_runs_on_the_cpu()
    {
        var warnings = new StringWriter();
        var options = new BackendOptions
        {
            Device = AbsentCudaDevice,
            Threads = 2,
            Settings = new Dictionary<string, string> { ["Fallback"] = "cpu" },
        };

        using var backend = (TorchBackend)new TorchBackendFactory(warnings).Create(options);

        Assert.Equal("cpu", backend.Device.Name);
        Assert.Equal(DeviceKind.Cpu, backend.Device.Kind);
        Assert.NotNull(backend.FallbackReason);
        Assert.Contains(AbsentCudaDevice, backend.FallbackReason, StringComparison.Ordinal);
        Assert.Contains("fallback", backend.Device.Description, StringComparison.Ordinal);
        Assert.StartsWith("warn: torch backend: " + TorchBackendFactory.DeviceKey, warnings.ToString(), StringComparison.Ordinal);
        Assert.Contains("falling back to the torch CPU device", warnings.ToString(), StringComparison.Ordinal);

        ConformanceResult result = BackendConformanceSuite.Run(backend, BackendConformanceSuite.Cases.First(c => c.Name.StartsWith("Block/", StringComparison.Ordinal)));
        Assert.True(result.Outcome == ConformanceOutcome.Passed, result.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void The_cpu_needs_no_fallback_and_warns_about_nothing(string? device)
    {
        var warnings = new StringWriter();

        using var backend = (TorchBackend)new TorchBackendFactory(warnings).Create(new BackendOptions { Device = device });

        Assert.Equal(device is null or "" && TorchRuntime.Cuda.DeviceCount > 0 ? "cuda:0" : "cpu", backend.Device.Name);
        Assert.Null(backend.FallbackReason);
        Assert.Equal("", warnings.ToString());
        Assert.Equal("torch", backend.Name);
        Assert.Equal(Environment.ProcessorCount, backend.ThreadCount);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:one")]
    public void An_unknown_device_name_is_an_error_that_names_the_key(string device)
    {
        var error = Assert.Throws<ArgumentException>(() => new TorchBackendFactory().Create(new BackendOptions { Device = device }));

        Assert.Contains($"{TorchBackendFactory.DeviceKey} = \"{device}\" is not a torch device", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_settings_and_fallback_values_are_errors_that_name_them()
    {
        var factory = new TorchBackendFactory();

        var unknownKey = Assert.Throws<ArgumentException>(() => factory.Create(new BackendOptions { Settings = new Dictionary<string, string> { ["Fallbak"] = "cpu" } }));
        var unknownValue = Assert.Throws<ArgumentException>(() => factory.Create(new BackendOptions { Settings = new Dictionary<string, string> { ["fallback"] = "gpu" } }));
        var negativeThreads = Assert.ThrowsAny<ArgumentException>(() => factory.Create(new BackendOptions { Threads = -1 }));

        Assert.Contains(TorchBackendFactory.SettingsSection + ":Fallbak is not a torch backend setting", unknownKey.Message, StringComparison.Ordinal);
        Assert.Contains(TorchBackendFactory.FallbackKey + " = \"gpu\" is not valid", unknownValue.Message, StringComparison.Ordinal);
        Assert.Contains("Threads", negativeThreads.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fallback_none_keeps_the_error()
    {
        var options = new BackendOptions { Device = AbsentCudaDevice, Settings = new Dictionary<string, string> { ["Fallback"] = "none" } };

        Assert.Throws<TorchDeviceUnavailableException>(() => new TorchBackendFactory(TextWriter.Null).Create(options));
    }
}
