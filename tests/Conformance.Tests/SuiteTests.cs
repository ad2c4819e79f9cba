using LlmFramework.Abstractions.Graph;

namespace LlmFramework.Conformance.Tests;

public sealed class SuiteTests
{
    [Fact]
    public void Reference_backend_passes_every_case()
    {
        using var backend = new ReferenceBackend();
        IReadOnlyList<ConformanceResult> results = BackendConformanceSuite.RunAll(backend);
        Assert.Equal(BackendConformanceSuite.Cases.Count, results.Count);
        Assert.All(results, r => Assert.True(r.Outcome == ConformanceOutcome.Passed, r.ToString()));
    }

    [Fact]
    public void Suite_has_hundreds_of_uniquely_named_cases_covering_every_op()
    {
        IReadOnlyList<ConformanceCase> cases = BackendConformanceSuite.Cases;
        Assert.True(cases.Count >= 200, $"{cases.Count} cases");
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
        foreach (OpKind op in Enum.GetValues<OpKind>())
        {
            Assert.Contains(cases, c => c.Op == op);
        }
    }
}
