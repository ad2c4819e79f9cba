using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Backends.Torch.Ops;

/// <summary>
/// Each weight as an F32 tensor [Rows, Columns] on the backend's device, made once on first use and kept for as long
/// as both the weight and the backend live (a weak table keyed by the <see cref="WeightTensor"/>: an unloaded model's
/// tensors go with it). Every dtype is decoded with the reference codecs (<see cref="BlockQuantizer"/>), so the values
/// are exactly those the conformance reference uses; quantised weights then take 4 bytes per value on the device.
/// </summary>
internal sealed unsafe class WeightCache : IDisposable
{
    /// <summary>Values decoded per step (64 MiB of F32): bounds the host staging buffer of a CUDA upload.</summary>
    private const long ChunkValues = 16L << 20;

    private readonly ConditionalWeakTable<WeightTensor, Tensor> _tensors = [];
    private readonly Device _device;

    public WeightCache(Device device)
    {
        _device = device;
    }

    /// <summary>The F32 tensor of <paramref name="weight"/> on the device.</summary>
    public Tensor Get(WeightTensor weight) => _tensors.GetValue(weight, Decode);

    private Tensor Decode(WeightTensor weight)
    {
        if (weight.Type == DType.I32)
        {
            throw new NotSupportedException($"the torch backend cannot use I32 tensor '{weight.Name}' as a weight");
        }

        // Outside any dispose scope: the tensor outlives the step that first needed it.
        Tensor full = empty(weight.Rows, weight.Columns, ScalarType.Float32, _device).DetachFromDisposeScope();
        long rowsPerChunk = Math.Max(1, ChunkValues / Math.Max(1, weight.Columns));
        for (long first = 0; first < weight.Rows; first += rowsPerChunk)
        {
            long rows = Math.Min(rowsPerChunk, weight.Rows - first);
            var source = new ReadOnlySpan<byte>(weight.Data + (first * weight.RowBytes), checked((int)(rows * weight.RowBytes)));
            using Tensor slice = full.narrow(0, first, rows);
            if (_device.type == DeviceType.CPU)
            {
                // A row range of a contiguous tensor is contiguous: decode straight into libtorch's buffer.
                DecodeInto(weight.Type, source, HostTransfer.Floats(slice));
                continue;
            }

            using Tensor staging = empty(rows, weight.Columns, ScalarType.Float32);
            DecodeInto(weight.Type, source, HostTransfer.Floats(staging));
            slice.copy_(staging);
        }

        return full;
    }

    private static void DecodeInto(DType type, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (type == DType.F32 && BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
            return;
        }

        BlockQuantizer.Dequantize(type, source, destination);
    }

    /// <summary>Frees every cached tensor now (device memory) instead of when the weights are collected.</summary>
    public void Dispose()
    {
        foreach ((WeightTensor _, Tensor tensor) in _tensors)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
    }
}
