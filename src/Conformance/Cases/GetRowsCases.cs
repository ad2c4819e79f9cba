using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>GetRows from tables in every dtype, with repeated ids, first and last rows, an empty step, and bad ids (must throw).</summary>
internal static class GetRowsCases
{
    public static void Add(CaseList cases)
    {
        foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
        {
            int block = DTypeInfo.BlockSize(type);
            int[] widths = block == 1 ? [1, 7, 64, 129] : block == 32 ? [32, 96, 320, 64] : [256, 512, 768, 256];
            GetRows(cases, type, 5, widths[0], 1);
            GetRows(cases, type, 37, widths[1], 9);
            GetRows(cases, type, 3, widths[2], 0);
            GetRows(cases, type, 1000, widths[3], 64);
        }

        BadId(cases, DType.F32, 12, 12);
        BadId(cases, DType.Q4_0, 12, -1);
    }

    private static void GetRows(CaseList cases, DType type, int vocab, int width, int tokens)
    {
        cases.Add($"GetRows/{DTypeInfo.Name(type)}/V{vocab}xD{width}/T{tokens}", OpKind.GetRows, type, $"{tokens} rows (ids repeat, include 0 and {vocab - 1}) of a [{vocab}, {width}] {type} table", s =>
        {
            int next = 0;
            int Id() => next++ switch
            {
                0 => vocab - 1,
                1 => 0,
                _ => s.Random.NextInt(Math.Min(vocab, 8)) * (vocab / Math.Min(vocab, 8)),
            };
            SequencePlan[] plan = [new SequencePlan(tokens - (tokens / 3)), new SequencePlan(tokens / 3, 5)];
            s.SetBatch(plan.Where(p => p.Tokens > 0).ToArray(), tokenIds: Id);
            GraphTensor table = s.Builder.Weight(s.Weight("token_embd", type, vocab, width, s.Normal()));
            s.Finish(s.Builder.GetRows(table, s.Builder.TokenIds));
        });
    }

    private static void BadId(CaseList cases, DType type, int vocab, int badId)
    {
        int width = DTypeInfo.BlockSize(type) == 1 ? 8 : DTypeInfo.BlockSize(type);
        cases.Add($"GetRows/{DTypeInfo.Name(type)}/bad-id{badId}/V{vocab}", OpKind.GetRows, type, $"id {badId} is outside [0, {vocab}): Execute must throw", s =>
        {
            int next = 0;
            s.SetBatch([new SequencePlan(3)], tokenIds: () => next++ == 1 ? badId : 0);
            s.ExpectsError = true;
            GraphTensor table = s.Builder.Weight(s.Weight("token_embd", type, vocab, width, s.Normal()));
            s.Finish(s.Builder.GetRows(table, s.Builder.TokenIds));
        });
    }
}
