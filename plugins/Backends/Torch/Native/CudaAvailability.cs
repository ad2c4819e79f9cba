namespace LlmFramework.Backends.Torch.Native;

/// <summary>The CUDA devices libtorch sees, and in words why there are none when there are none.</summary>
/// <param name="DeviceCount">Visible CUDA devices (0 when CUDA is absent).</param>
/// <param name="Detail">What was found: the device count, or what is missing.</param>
internal sealed record CudaAvailability(int DeviceCount, string Detail);
