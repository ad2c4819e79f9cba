using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Conformance;

namespace LlmFramework.Backends.Torch.Tests;

/// <summary>
/// The torch backend on its CPU device against every case of the backend conformance suite (one test per case). Torch
/// claims every op and weight type of contract 1.0, so such a case must pass: Unsupported counts as a failure there.
/// The MLA and MoE ops of contract 1.2 it declines (the engine runs them on the CPU backend), so their cases must be
/// Unsupported, with the reason.
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

        bool declined = result.Case.Op >= OpKind.HeadMatMul;
        Assert.True(result.Outcome == (declined ? ConformanceOutcome.Unsupported : ConformanceOutcome.Passed), result.ToString());
        if (declined)
        {
            Assert.Contains("runs it on the CPU backend", result.Message, StringComparison.Ordinal);
        }
    }
}
