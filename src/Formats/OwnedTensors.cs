using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats;

/// <summary>
/// Native memory for the few weights a model loader rewrites instead of using in place (for example norm weights
/// stored as F16/BF16, converted to F32 because backends are only required to take F32 norm weights). Freed on dispose.
/// </summary>
public sealed unsafe class OwnedTensors : IDisposable
{
    private readonly List<nint> _blocks = [];

    /// <summary>An F32 copy of <paramref name="values"/> as a weight tensor named <paramref name="name"/> of <paramref name="shape"/>.</summary>
    public WeightTensor CreateF32(string name, long[] shape, ReadOnlySpan<float> values)
    {
        long bytes = (long)values.Length * sizeof(float);
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        _blocks.Add((nint)data);
        values.CopyTo(new Span<float>(data, values.Length));
        return new WeightTensor(name, DType.F32, shape, data, bytes);
    }

    /// <summary>A zeroed tensor of <paramref name="type"/> and <paramref name="shape"/> whose bytes the caller fills through <see cref="WeightTensor.Data"/>.</summary>
    public WeightTensor Allocate(string name, DType type, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long rows = 1;
        for (int i = 0; i < shape.Length - 1; i++)
        {
            rows *= shape[i];
        }

        long bytes = rows * DTypeInfo.RowBytes(type, shape.Length == 0 ? 1 : shape[^1]);
        byte* data = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), 64);
        _blocks.Add((nint)data);
        NativeMemory.Clear(data, (nuint)bytes);
        return new WeightTensor(name, type, shape, data, bytes);
    }

    /// <summary>Frees every copy; tensors created here are invalid afterwards.</summary>
    public void Dispose()
    {
        foreach (nint block in _blocks)
        {
            NativeMemory.AlignedFree((void*)block);
        }

        _blocks.Clear();
    }
}
