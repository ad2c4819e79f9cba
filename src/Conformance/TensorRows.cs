using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Quantization;

namespace LlmFramework.Conformance;

/// <summary>Reads rows of weights (dequantised with the reference codecs) and activations as F32.</summary>
internal static class TensorRows
{
    /// <summary>Rows of <paramref name="tensor"/>: the weight's row count, or the activation's rows in this step.</summary>
    public static long RowCount(GraphTensor tensor, IExecutionContext context) =>
        tensor.Weight is { } weight ? weight.Rows : context.Rows(tensor);

    /// <summary>A copy of row <paramref name="row"/> of <paramref name="tensor"/> as F32.</summary>
    public static float[] Read(GraphTensor tensor, long row, IExecutionContext context)
    {
        var values = new float[checked((int)tensor.Columns)];
        if (tensor.Weight is { } weight)
        {
            BlockQuantizer.Dequantize(weight.Type, weight.Row(row), values);
        }
        else
        {
            context.GetF32(tensor).Slice(checked((int)(row * tensor.Columns)), values.Length).CopyTo(values);
        }

        return values;
    }

    /// <summary>Every row of <paramref name="tensor"/> as F32 (a weight's rows dequantised once, for ops that use them all).</summary>
    public static float[][] ReadAll(GraphTensor tensor, IExecutionContext context)
    {
        var rows = new float[checked((int)RowCount(tensor, context))][];
        for (int j = 0; j < rows.Length; j++)
        {
            rows[j] = Read(tensor, j, context);
        }

        return rows;
    }
}
