using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

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

    [Fact]
    public void Runs_are_deterministic_and_independent_of_order()
    {
        using var backend = new SinglePrecisionBackend();
        ConformanceCase[] picked = BackendConformanceSuite.Cases.Where((_, i) => i % 17 == 0).ToArray();
        ConformanceResult[] first = picked.Select(c => BackendConformanceSuite.Run(backend, c)).ToArray();
        ConformanceResult[] reversed = picked.Reverse().Select(c => BackendConformanceSuite.Run(backend, c)).Reverse().ToArray();

        Assert.Equal(first, reversed);
    }

    [Fact]
    public void Cases_are_found_by_name()
    {
        ConformanceCase c = BackendConformanceSuite.Cases[42];
        Assert.Same(c, BackendConformanceSuite.GetCase(c.Name));
        Assert.Throws<KeyNotFoundException>(() => BackendConformanceSuite.GetCase("no/such/case"));
    }

    [Fact]
    public void Each_op_and_weight_dtype_named_by_the_contract_has_cases()
    {
        IReadOnlyList<ConformanceCase> cases = BackendConformanceSuite.Cases;
        foreach (DType type in new[] { DType.F32, DType.F16, DType.BF16, DType.Q8_0, DType.Q4_0, DType.Q4_K, DType.Q6_K })
        {
            Assert.True(cases.Count(c => c.Op == OpKind.MatMul && c.WeightType == type) >= 10, $"MatMul {type}");
            Assert.True(cases.Count(c => c.Op == OpKind.GetRows && c.WeightType == type) >= 4, $"GetRows {type}");
        }

        Assert.Contains(cases, c => c.Name.Contains("/empty", StringComparison.Ordinal) && c.Op == OpKind.Attention);
        Assert.Contains(cases, c => c.Name.StartsWith("Rope/neox/", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Name.StartsWith("Rope/interleaved/", StringComparison.Ordinal));
        Assert.Contains(cases, c => c.Name.Contains("q8kv1", StringComparison.Ordinal));
        Assert.All(cases, c => Assert.False(string.IsNullOrWhiteSpace(c.Description)));
    }
}
