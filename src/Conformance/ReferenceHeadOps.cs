using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance;

/// <summary>
/// The references of the per-head ops of contract 1.2: <see cref="OpKind.HeadMatMul"/> (each head's K values times
/// its own N weight rows), <see cref="OpKind.SliceColumns"/> and <see cref="OpKind.ConcatColumns"/> (copies of
/// each head's columns). A row of H heads of width W holds head h in columns h*W .. h*W + W - 1.
/// </summary>
internal static class ReferenceHeadOps
{
    public static void HeadMatMul(GraphNode node, IExecutionContext context)
    {
        int heads = node.GetParams<HeadMatMulParams>().HeadCount;
        GraphTensor xt = node.Inputs[0];
        GraphTensor w = node.Inputs[1];
        int k = checked((int)w.Columns);
        float[][] wRows = TensorRows.ReadAll(w, context);
        if (xt.Columns != (long)heads * k || wRows.Length % heads != 0)
        {
            throw new InvalidOperationException($"HeadMatMul: x has {xt.Columns} columns and '{w.Name}' is [{wRows.Length}, {k}]; {heads} heads do not fit");
        }

        int n = wRows.Length / heads;
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < context.Rows(xt); r++)
        {
            for (int h = 0; h < heads; h++)
            {
                ReadOnlySpan<float> xh = x.Slice((r * heads * k) + (h * k), k);
                for (int j = 0; j < n; j++)
                {
                    y[(r * heads * n) + (h * n) + j] = (float)ReferenceOps.Dot(xh, wRows[(h * n) + j]);
                }
            }
        }
    }

    public static void SliceColumns(GraphNode node, IExecutionContext context)
    {
        ColumnSliceParams p = node.GetParams<ColumnSliceParams>();
        GraphTensor xt = node.Inputs[0];
        int headWidth = checked((int)(xt.Columns / p.HeadCount));
        ReadOnlySpan<float> x = context.GetF32(xt);
        Span<float> y = context.GetF32(node.Output);
        for (int r = 0; r < context.Rows(xt); r++)
        {
            for (int h = 0; h < p.HeadCount; h++)
            {
                for (int j = 0; j < p.Width; j++)
                {
                    y[(r * p.HeadCount * p.Width) + (h * p.Width) + j] = x[(r * p.HeadCount * headWidth) + (h * headWidth) + p.Offset + j];
                }
            }
        }
    }

    public static void ConcatColumns(GraphNode node, IExecutionContext context)
    {
        int heads = node.GetParams<ConcatColumnsParams>().HeadCount;
        GraphTensor at = node.Inputs[0];
        GraphTensor bt = node.Inputs[1];
        int aWidth = checked((int)(at.Columns / heads));
        int bWidth = checked((int)(bt.Columns / heads));
        ReadOnlySpan<float> a = context.GetF32(at);
        ReadOnlySpan<float> b = context.GetF32(bt);
        Span<float> y = context.GetF32(node.Output);
        int width = aWidth + bWidth;
        for (int r = 0; r < context.Rows(at); r++)
        {
            for (int h = 0; h < heads; h++)
            {
                for (int j = 0; j < width; j++)
                {
                    y[(r * heads * width) + (h * width) + j] = j < aWidth
                        ? a[(r * heads * aWidth) + (h * aWidth) + j]
                        : b[(r * heads * bWidth) + (h * bWidth) + j - aWidth];
                }
            }
        }
    }
}
