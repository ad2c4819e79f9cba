using System.Runtime.CompilerServices;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// F32 views of small weights used as element-wise operands (norm weights): F32 weights are read in place; other
/// types are dequantised once and kept for as long as the weight itself is alive (a weak table, so an unloaded
/// model's copies go with it).
/// </summary>
internal sealed unsafe class WeightFloats
{
    private readonly ConditionalWeakTable<WeightTensor, float[]> _decoded = [];

    public ReadOnlySpan<float> Get(WeightTensor weight)
    {
        long count = weight.Rows * weight.Columns;
        if (weight.Type == DType.F32)
        {
            return new ReadOnlySpan<float>(weight.Data, checked((int)count));
        }

        return _decoded.GetValue(weight, static w =>
        {
            var values = new float[checked((int)(w.Rows * w.Columns))];
            BlockQuantizer.Dequantize(w.Type, w.Bytes, values);
            return values;
        });
    }
}
