namespace LlmFramework.Conformance.Cases;

/// <summary>Assembles every case of the suite, grouped by op, in a fixed order.</summary>
internal static class CaseCatalog
{
    public static IReadOnlyList<ConformanceCase> Create()
    {
        var cases = new CaseList();
        GetRowsCases.Add(cases);
        MatMulCases.Add(cases);
        ElementwiseCases.AddRmsNorm(cases);
        ElementwiseCases.Add(cases);
        RopeCases.Add(cases);
        AttentionCases.Add(cases);
        ElementwiseCases.AddSelectOutputRows(cases);
        BlockCases.Add(cases);
        HeadOpCases.Add(cases);
        LatentAttentionCases.Add(cases);
        MoeRouteCases.Add(cases);
        ExpertCases.Add(cases);
        DeepSeekBlockCases.Add(cases);
        return cases.ToArray();
    }
}
