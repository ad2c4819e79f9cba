using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>
/// Native memory for the few weights the loader rewrites instead of using in place (norm weights stored as F16/BF16,
/// converted to F32 because backends are only required to take F32 norm weights). Freed on dispose.
/// </summary>
internal sealed unsafe class OwnedTensors : IDisposable
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

    public void Dispose()
    {
        foreach (nint block in _blocks)
        {
            NativeMemory.AlignedFree((void*)block);
        }

        _blocks.Clear();
    }
}
