using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>
/// The per-head ops of contract 1.2. HeadMatMul: float and quantised weights, 1..16 heads, empty steps, one row,
/// rows past the float and Q8_0 tile thresholds, odd K and N, one row per output. SliceColumns and ConcatColumns:
/// 1..16 heads, offsets at either end of a head, widths of one column, MLA's own splits (nope/rope, latent/rope key).
/// </summary>
internal static class HeadOpCases
{
    private static readonly (int R, int H, int K, int N)[] FloatShapes =
        [(0, 2, 16, 8), (1, 1, 7, 5), (1, 4, 64, 32), (3, 2, 33, 17), (9, 3, 48, 24), (20, 2, 64, 16), (1, 16, 128, 64), (5, 8, 16, 1)];

    private static readonly (int R, int H, int Blocks, int N)[] QuantShapes =
        [(1, 2, 1, 16), (3, 4, 2, 8), (20, 2, 4, 16), (1, 16, 4, 32)];

    private static readonly (int R, int H, int HeadWidth, int Offset, int Width)[] Slices =
        [(0, 1, 8, 0, 4), (1, 1, 7, 3, 4), (3, 4, 192, 0, 128), (3, 4, 192, 128, 64), (14, 16, 24, 5, 11), (5, 1, 576, 512, 64), (2, 3, 10, 9, 1), (4, 2, 5, 0, 5)];

    private static readonly (int R, int H, int A, int B)[] Concats =
        [(0, 1, 4, 4), (1, 1, 3, 5), (3, 4, 128, 64), (14, 16, 11, 13), (5, 1, 512, 64), (2, 3, 1, 1)];

    public static void Add(CaseList cases)
    {
        foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16 })
        {
            foreach ((int r, int h, int k, int n) in FloatShapes)
            {
                HeadMatMul(cases, type, r, h, k, n, RowSpace.Tokens);
            }
        }

        foreach (DType type in new[] { DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
        {
            foreach ((int r, int h, int blocks, int n) in QuantShapes)
            {
                HeadMatMul(cases, type, r, h, blocks * DTypeInfo.BlockSize(type), n, RowSpace.Tokens);
            }
        }

        HeadMatMul(cases, DType.F32, 3, 4, 32, 8, RowSpace.Outputs);
        HeadMatMul(cases, DType.Q8_0, 3, 4, 32, 8, RowSpace.Outputs);

        foreach ((int r, int h, int headWidth, int offset, int width) in Slices)
        {
            cases.Add($"SliceColumns/R{r}xH{h}x{headWidth}/cols{offset}+{width}", OpKind.SliceColumns, null,
                $"columns {offset}..{offset + width - 1} of each of {h} heads of {headWidth} in {r} rows", s =>
                {
                    s.SetBatch(Batches.Rows(r));
                    s.Finish(s.Builder.SliceColumns(s.Input("x", h * headWidth, s.Normal()), h, offset, width));
                });
        }

        foreach ((int r, int h, int a, int b) in Concats)
        {
            cases.Add($"ConcatColumns/R{r}xH{h}/A{a}+B{b}", OpKind.ConcatColumns, null,
                $"{h} heads of {a} columns of a, each followed by the head's {b} columns of b, in {r} rows", s =>
                {
                    s.SetBatch(Batches.Rows(r));
                    s.Finish(s.Builder.ConcatColumns(s.Input("a", h * a, s.Normal()), s.Input("b", h * b, s.Normal()), h));
                });
        }
    }

    private static void HeadMatMul(CaseList cases, DType type, int rows, int heads, int k, int n, RowSpace space)
    {
        string shape = (space == RowSpace.Outputs ? "outputs/O" : "R") + $"{rows}xH{heads}xK{k}xN{n}";
        cases.Add($"HeadMatMul/{DTypeInfo.Name(type)}/{shape}", OpKind.HeadMatMul, type,
            $"x [{rows}, {heads}x{k}] F32, each head times its {n} rows of w [{heads * n}, {k}] {type}; reference on the dequantised weight", s =>
            {
                s.SetBatch(space == RowSpace.Outputs ? Batches.ThreeOutputs() : Batches.Rows(rows));
                GraphTensor w = s.Builder.Weight(s.Weight("w", type, heads * n, k, s.Normal(0.5)));
                s.Finish(s.Builder.HeadMatMul(s.Input("x", heads * k, s.Normal(), space), w, heads));
            });
    }
}
