using LlmFramework.Abstractions.Backends;
using LlmFramework.Conformance;

namespace LlmFramework.Backends.Torch.Tests;

/// <summary>
/// The torch backend on its CPU device against every case of the backend conformance suite (one test per case). Torch
/// claims every op and weight type of the contract, so a case must pass: Unsupported counts as a failure here.
/// </summary>
public sealed class ConformanceTests
{
    public static TheoryData<string> CaseNames => new(BackendConformanceSuite.Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_the_reference(string caseName)
    {
        using IBackend backend = new TorchBackendFactory().Create(new BackendOptions { Device = "cpu", Threads = 2 });

        ConformanceResult result = BackendConformanceSuite.Run(backend, BackendConformanceSuite.GetCase(caseName));

        Assert.True(result.Outcome == ConformanceOutcome.Passed, result.ToString());
    }
}
