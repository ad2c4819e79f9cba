using LlmFramework.Abstractions.Backends;
using LlmFramework.Conformance;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// The CPU backend against every case of the backend conformance suite (one test per case, named after it).
/// The CPU backend is the engine's fallback for nodes other backends decline, so here Unsupported counts as a failure.
/// </summary>
public sealed class ConformanceTests
{
    public static TheoryData<string> CaseNames => new(BackendConformanceSuite.Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_the_reference(string caseName)
    {
        using IBackend backend = new CpuBackendFactory().Create(new BackendOptions { Threads = 2 });

        ConformanceResult result = BackendConformanceSuite.Run(backend, BackendConformanceSuite.GetCase(caseName));

        Assert.True(result.Outcome == ConformanceOutcome.Passed, result.ToString());
    }
}
