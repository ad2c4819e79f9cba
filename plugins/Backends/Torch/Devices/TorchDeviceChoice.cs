using LlmFramework.Abstractions.Backends;
using TorchSharp;

namespace LlmFramework.Backends.Torch.Devices;

/// <summary>The device a torch backend runs on.</summary>
/// <param name="Device">The libtorch device.</param>
/// <param name="Info">How the host sees it (name "cpu" or "cuda:N", description).</param>
/// <param name="FallbackReason">Why the CPU replaced the CUDA device the configuration asked for; null when it did not.</param>
internal sealed record TorchDeviceChoice(torch.Device Device, DeviceInfo Info, string? FallbackReason);
