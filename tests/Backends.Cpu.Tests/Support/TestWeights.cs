using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Backends.Cpu.Tests.Support;

/// <summary>Weights in pinned arrays (so their pointers stay valid), encoded with the reference codecs.</summary>
internal static unsafe class TestWeights
{
    public static WeightTensor Create(string name, DType type, int rows, int columns, float[] values)
    {
        byte[] bytes = GC.AllocateArray<byte>(checked((int)(rows * DTypeInfo.RowBytes(type, columns))) + 64, pinned: true);
        BlockQuantizer.Quantize(type, values, bytes.AsSpan(0, bytes.Length - 64));
        fixed (byte* p = bytes)
        {
            // The array is pinned for its lifetime; the static list keeps it alive for the test run.
            Keep.Add(bytes);
            return new WeightTensor(name, type, [rows, columns], p, bytes.Length - 64);
        }
    }

    /// <summary>The weight's values as the reference codecs decode them.</summary>
    public static float[] Decode(WeightTensor w)
    {
        var values = new float[w.Rows * w.Columns];
        BlockQuantizer.Dequantize(w.Type, w.Bytes, values);
        return values;
    }

    private static readonly List<byte[]> Keep = [];
}
