using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary>
/// F32 views of small weights used as element-wise operands (norm weights): F32 weights are read in place; other
/// types are dequantised once and kept, keyed by the weight, for the life of the backend.
/// </summary>
internal sealed unsafe class WeightFloats
{
    private readonly Dictionary<WeightTensor, float[]> _decoded = new(ReferenceEqualityComparer.Instance);

    public ReadOnlySpan<float> Get(WeightTensor weight)
    {
        long count = weight.Rows * weight.Columns;
        if (weight.Type == DType.F32)
        {
            return new ReadOnlySpan<float>(weight.Data, checked((int)count));
        }

        lock (_decoded)
        {
            if (!_decoded.TryGetValue(weight, out float[]? values))
            {
                values = new float[checked((int)count)];
                BlockQuantizer.Dequantize(weight.Type, weight.Bytes, values);
                _decoded.Add(weight, values);
            }

            return values;
        }
    }
}
