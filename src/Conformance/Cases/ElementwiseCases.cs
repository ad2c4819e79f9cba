using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>Add, Mul, SwiGlu, Silu, Scale and Softmax over row counts 0..65 and row lengths 1..4099 (vector tails).</summary>
internal static class ElementwiseCases
{
    /// <summary>(rows, columns): empty step, single values, odd lengths around vector widths, long rows.</summary>
    private static readonly (int Rows, int Columns)[] Shapes =
        [(0, 8), (1, 1), (1, 7), (2, 16), (3, 33), (7, 64), (17, 100), (5, 1000), (2, 4099), (65, 31)];

    public static void Add(CaseList cases)
    {
        foreach ((int rows, int cols) in Shapes)
        {
            Binary(cases, OpKind.Add, rows, cols, RowSpace.Tokens);
            Binary(cases, OpKind.Mul, rows, cols, RowSpace.Tokens);
            Binary(cases, OpKind.SwiGlu, rows, cols, RowSpace.Tokens);
            Unary(cases, OpKind.Silu, $"R{rows}xD{cols}", rows, cols, 3, RowSpace.Tokens, b => b.Silu);
        }

        Binary(cases, OpKind.Add, 3, 64, RowSpace.Outputs);
        Binary(cases, OpKind.Mul, 3, 64, RowSpace.Outputs);
        Binary(cases, OpKind.SwiGlu, 3, 100, RowSpace.Outputs);
        Unary(cases, OpKind.Silu, "wide-range/R9xD77", 9, 77, 30, RowSpace.Tokens, b => b.Silu);

        foreach ((int rows, int cols, float factor) in new[] { (0, 4, 2f), (1, 1, 0.125f), (3, 33, -1.5f), (7, 1000, 0.0883883f), (2, 129, 0f), (17, 64, 1e3f) })
        {
            Unary(cases, OpKind.Scale, $"R{rows}xD{cols}x{factor:G3}", rows, cols, 1, RowSpace.Tokens, b => (x, n) => b.Scale(x, factor, n));
        }

        foreach ((int rows, int cols) in Shapes)
        {
            Unary(cases, OpKind.Softmax, $"R{rows}xD{cols}", rows, cols, 2, RowSpace.Tokens, b => b.Softmax);
        }

        Unary(cases, OpKind.Softmax, "outputs/O3xD1001", 3, 1001, 4, RowSpace.Outputs, b => b.Softmax);
        Unary(cases, OpKind.Softmax, "wide-range/R5xD300", 5, 300, 40, RowSpace.Tokens, b => b.Softmax);
        cases.Add("Softmax/large-offset/R4xD65", OpKind.Softmax, null, "values near 1000: fails without subtracting the row max", s =>
        {
            s.SetBatch(Batches.Rows(4));
            s.Finish(s.Builder.Softmax(s.Input("x", 65, () => 1000 + s.Random.Normal())));
        });
        cases.Add("Softmax/constant-row/R2xD37", OpKind.Softmax, null, "equal values: every output 1/37", s =>
        {
            s.SetBatch(Batches.Rows(2));
            s.Finish(s.Builder.Softmax(s.Input("x", 37, () => -3.5f)));
        });
    }

    private static void Binary(CaseList cases, OpKind op, int rows, int cols, RowSpace space)
    {
        string shape = space == RowSpace.Outputs ? $"outputs/O{rows}xD{cols}" : $"R{rows}xD{cols}";
        cases.Add($"{op}/{shape}", op, null, $"{op} of two [{rows}, {cols}] activations with one row per {(space == RowSpace.Outputs ? "output" : "token")}", s =>
        {
            s.SetBatch(space == RowSpace.Outputs ? Batches.ThreeOutputs() : Batches.Rows(rows));
            GraphTensor a = s.Input("a", cols, s.Normal(2), space);
            GraphTensor b = s.Input("b", cols, s.Normal(2), space);
            GraphTensor y = op switch
            {
                OpKind.Add => s.Builder.Add(a, b),
                OpKind.Mul => s.Builder.Mul(a, b),
                _ => s.Builder.SwiGlu(a, b),
            };
            s.Finish(y);
        });
    }

    private static void Unary(CaseList cases, OpKind op, string shape, int rows, int cols, double scale, RowSpace space, Func<GraphBuilder, Func<GraphTensor, string?, GraphTensor>> apply)
    {
        cases.Add($"{op}/{shape}", op, null, $"{op} of a [{rows}, {cols}] activation, values N(0, {scale}^2)", s =>
        {
            s.SetBatch(space == RowSpace.Outputs ? Batches.ThreeOutputs() : Batches.Rows(rows));
            GraphTensor x = s.Input("x", cols, s.Normal(scale), space);
            s.Finish(apply(s.Builder)(x, null));
        });
    }

    public static void AddRmsNorm(CaseList cases)
    {
        foreach ((int rows, int cols, float eps) in new[] { (0, 8, 1e-5f), (1, 1, 1e-6f), (1, 7, 1e-5f), (3, 64, 1e-6f), (7, 100, 1e-5f), (17, 4096, 1e-6f), (2, 2049, 1e-5f), (65, 33, 1e-5f) })
        {
            RmsNorm(cases, $"R{rows}xD{cols}/eps{eps:G2}", rows, cols, eps, DType.F32, 1, RowSpace.Tokens);
        }

        RmsNorm(cases, "outputs/O3xD256", 3, 256, 1e-5f, DType.F32, 1, RowSpace.Outputs);
        RmsNorm(cases, "f16-weight/R5xD96", 5, 96, 1e-5f, DType.F16, 1, RowSpace.Tokens);
        RmsNorm(cases, "large-values/R3xD300", 3, 300, 1e-6f, DType.F32, 1000, RowSpace.Tokens);
        RmsNorm(cases, "tiny-values-large-eps/R3xD64", 3, 64, 1e-2f, DType.F32, 1e-3, RowSpace.Tokens);
        cases.Add("RmsNorm/zero-rows/R2xD40", OpKind.RmsNorm, DType.F32, "all-zero rows: output 0, eps keeps it finite", s =>
        {
            s.SetBatch(Batches.Rows(2));
            GraphTensor w = s.Builder.Weight(s.Weight("norm.weight", DType.F32, 1, 40, s.Normal(), vector: true));
            s.Finish(s.Builder.RmsNorm(s.Input("x", 40, () => 0f), w, 1e-5f));
        });
    }

    private static void RmsNorm(CaseList cases, string shape, int rows, int cols, float eps, DType weightType, double scale, RowSpace space)
    {
        cases.Add($"RmsNorm/{shape}", OpKind.RmsNorm, weightType, $"RmsNorm of [{rows}, {cols}] values N(0, {scale}^2) with a {weightType} weight, eps {eps}", s =>
        {
            s.SetBatch(space == RowSpace.Outputs ? Batches.ThreeOutputs() : Batches.Rows(rows));
            GraphTensor w = s.Builder.Weight(s.Weight("norm.weight", weightType, 1, cols, () => 1 + s.Random.Normal(0.3), vector: true));
            s.Finish(s.Builder.RmsNorm(s.Input("x", cols, s.Normal(scale), space), w, eps));
        });
    }

    public static void AddSelectOutputRows(CaseList cases)
    {
        Select(cases, "last-of-each/T10xD64", 64, Batches.ThreeOutputs(), false);
        Select(cases, "all-tokens/T9xD33", 33, [new SequencePlan(4, 0), new SequencePlan(5, 11)], true);
        Select(cases, "none-wanted/T6xD16", 16, [new SequencePlan(6, 0, WantLogits: false)], false);
        Select(cases, "single/T1xD1", 1, [new SequencePlan(1, 0)], false);
        Select(cases, "ragged/T14xD1000", 1000, Batches.Ragged(), false);
        Select(cases, "empty/T0xD8", 8, [], false);
    }

    private static void Select(CaseList cases, string shape, int cols, SequencePlan[] plan, bool all)
    {
        cases.Add($"SelectOutputRows/{shape}", OpKind.SelectOutputRows, null, "copies the rows of the tokens whose logits are wanted, in output order", s =>
        {
            s.SetBatch(plan, outputAllTokens: all);
            s.Finish(s.Builder.SelectOutputRows(s.Input("x", cols, s.Normal())));
        });
    }
}
