using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>MatMul with weights in every dtype: empty steps, one row, many rows, odd K and N, long K, special inputs.</summary>
internal static class MatMulCases
{
    private static readonly (int R, int K, int N)[] FloatShapes =
        [(0, 16, 5), (1, 1, 1), (1, 3, 7), (1, 31, 16), (2, 64, 33), (3, 100, 67), (7, 255, 9), (17, 513, 3), (1, 4096, 8), (5, 1024, 32), (33, 48, 17), (65, 64, 64)];

    private static readonly (int R, int Blocks, int N)[] QuantShapes =
        [(0, 1, 5), (1, 1, 1), (1, 2, 7), (2, 3, 16), (3, 5, 33), (7, 8, 9), (17, 1, 65), (1, 16, 8), (33, 2, 17), (65, 4, 64)];

    public static void Add(CaseList cases)
    {
        foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16 })
        {
            foreach ((int r, int k, int n) in FloatShapes)
            {
                MatMul(cases, type, $"R{r}xK{k}xN{n}", r, k, n, Input.Normal, RowSpace.Tokens);
            }
        }

        foreach (DType type in new[] { DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
        {
            int block = DTypeInfo.BlockSize(type);
            foreach ((int r, int blocks, int n) in QuantShapes)
            {
                int k = blocks == 16 ? 4096 : blocks * block;
                MatMul(cases, type, $"R{r}xK{k}xN{n}", r, k, n, Input.Normal, RowSpace.Tokens);
            }

            MatMul(cases, type, "offset-weights/R3xK" + (2 * block) + "xN9", 3, 2 * block, 9, Input.OffsetWeights, RowSpace.Tokens);
        }

        foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
        {
            int k = Math.Max(DTypeInfo.BlockSize(type), 64) * 2;
            MatMul(cases, type, $"outputs/O3xK{k}xN50", 3, k, 50, Input.Normal, RowSpace.Outputs);
            MatMul(cases, type, $"outliers/R4xK{k}xN12", 4, k, 12, Input.Outliers, RowSpace.Tokens);
            MatMul(cases, type, $"zero-rows/R3xK{k}xN5", 3, k, 5, Input.ZeroRows, RowSpace.Tokens);
        }
    }

    private enum Input
    {
        Normal,
        OffsetWeights,
        Outliers,
        ZeroRows,
    }

    private static void MatMul(CaseList cases, DType type, string shape, int rows, int k, int n, Input input, RowSpace space)
    {
        string name = $"MatMul/{DTypeInfo.Name(type)}/{shape}";
        string description = $"x [{rows}, {k}] F32 times w [{n}, {k}] {type} transposed ({input}); reference on the dequantised weight";
        cases.Add(name, OpKind.MatMul, type, description, s =>
        {
            s.SetBatch(space == RowSpace.Outputs ? Batches.ThreeOutputs() : Batches.Rows(rows));
            Func<float> weights = input == Input.OffsetWeights ? s.Uniform(0, 1) : s.Normal(0.5);
            GraphTensor w = s.Builder.Weight(s.Weight("w", type, n, k, weights));
            long index = 0;
            Func<float> values = input switch
            {
                Input.Outliers => () => s.Random.NextInt(37) == 0 ? s.Random.Normal(100) : s.Random.Normal(),
                Input.ZeroRows => () => index++ / k % 2 == 1 ? 0f : s.Random.Normal(),
                _ => s.Normal(),
            };
            s.Finish(s.Builder.MatMul(s.Input("x", k, values, space), w));
        });
    }
}
