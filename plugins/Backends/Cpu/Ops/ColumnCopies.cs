using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Backends.Cpu.Ops;

/// <summary><see cref="OpKind.SliceColumns"/> and <see cref="OpKind.ConcatColumns"/>: span copies, head by head.</summary>
internal static class ColumnCopies
{
    /// <summary>y[r, h*Width + j] = x[r, h*W + Offset + j] for <paramref name="rows"/> rows of x with H*W columns.</summary>
    public static void Slice(ColumnSliceParams p, ReadOnlySpan<float> x, int xColumns, Span<float> y, int rows)
    {
        int headWidth = xColumns / p.HeadCount;
        for (int r = 0; r < rows; r++)
        {
            for (int h = 0; h < p.HeadCount; h++)
            {
                x.Slice((r * xColumns) + (h * headWidth) + p.Offset, p.Width).CopyTo(y.Slice(((r * p.HeadCount) + h) * p.Width, p.Width));
            }
        }
    }

    /// <summary>Each head's columns of a ([R, H*A]) then of b ([R, H*B]) into y ([R, H*(A+B)]).</summary>
    public static void Concat(int heads, ReadOnlySpan<float> a, int aColumns, ReadOnlySpan<float> b, int bColumns, Span<float> y, int rows)
    {
        int aWidth = aColumns / heads;
        int bWidth = bColumns / heads;
        int width = aWidth + bWidth;
        for (int r = 0; r < rows; r++)
        {
            for (int h = 0; h < heads; h++)
            {
                Span<float> head = y.Slice(((r * heads) + h) * width, width);
                a.Slice((r * aColumns) + (h * aWidth), aWidth).CopyTo(head);
                b.Slice((r * bColumns) + (h * bWidth), bWidth).CopyTo(head[aWidth..]);
            }
        }
    }
}
