using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Backends.Torch.Ops;

/// <summary>
/// Copies between host spans and torch tensors. A CPU tensor's memory is reached through <c>Tensor.bytes</c> (a span
/// over libtorch's own buffer), so a host-to-CPU transfer is one memcpy; for a CUDA device the values go through a CPU
/// tensor and one <c>to(device)</c>. TorchSharp 0.107 has no public way to wrap foreign memory in a tensor, so
/// activations are copied, never aliased: a partition's inputs then stay untouched whatever libtorch does.
/// </summary>
internal static class HostTransfer
{
    /// <summary>A new F32 tensor [rows, columns] on <paramref name="device"/> holding <paramref name="values"/>.</summary>
    public static Tensor Upload(ReadOnlySpan<float> values, long rows, long columns, Device device)
    {
        if (values.Length != rows * columns)
        {
            throw new ArgumentException($"{values.Length} values do not fill a [{rows}, {columns}] tensor", nameof(values));
        }

        Tensor host = empty(rows, columns, ScalarType.Float32);
        if (!values.IsEmpty)
        {
            values.CopyTo(Floats(host));
        }

        return device.type == DeviceType.CPU ? host : host.to(device);
    }

    /// <summary>A new I64 tensor [count] on <paramref name="device"/> holding <paramref name="values"/> (indices for index_select).</summary>
    public static Tensor UploadIndices(ReadOnlySpan<int> values, Device device)
    {
        Tensor host = empty(values.Length, ScalarType.Int64);
        if (!values.IsEmpty)
        {
            Span<long> target = MemoryMarshal.Cast<byte, long>(host.bytes);
            for (int i = 0; i < values.Length; i++)
            {
                target[i] = values[i];
            }
        }

        return device.type == DeviceType.CPU ? host : host.to(device);
    }

    /// <summary>Copies the F32 values of <paramref name="value"/> (any device, any layout) into <paramref name="destination"/>.</summary>
    public static void Download(Tensor value, Span<float> destination)
    {
        if (value.numel() != destination.Length || value.dtype != ScalarType.Float32)
        {
            throw new InvalidOperationException($"a {value.dtype} result of shape [{string.Join(", ", value.shape)}] does not fit an F32 output of {destination.Length} values");
        }

        if (destination.IsEmpty)
        {
            return;
        }

        Tensor host = value.device_type == DeviceType.CPU ? value.contiguous() : value.cpu().contiguous();
        Floats(host).CopyTo(destination);
    }

    /// <summary>The values of a contiguous F32 CPU tensor, in place.</summary>
    public static Span<float> Floats(Tensor cpuTensor) => MemoryMarshal.Cast<byte, float>(cpuTensor.bytes);
}
