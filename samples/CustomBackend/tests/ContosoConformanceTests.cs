using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Conformance;

namespace Contoso.LlmBackend.Tests;

/// <summary>
/// The backend conformance suite over every case: what contoso supports must pass, the rest must be declined with a
/// reason (the engine then runs it on the CPU backend), and nothing may fail.
/// </summary>
public sealed class ContosoConformanceTests
{
    /// <summary>The fewest cases contoso must run itself (MatMul F32/F16, RmsNorm and the element-wise ops).</summary>
    private const int MinimumSupportedCases = 100;

    public static TheoryData<string> CaseNames => new(BackendConformanceSuite.Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Matches_the_reference_or_declines_with_a_reason(string name)
    {
        ConformanceCase testCase = BackendConformanceSuite.GetCase(name);
        using IBackend backend = new ContosoBackendFactory().Create(new BackendOptions());

        ConformanceResult result = BackendConformanceSuite.Run(backend, testCase);

        Assert.NotEqual(ConformanceOutcome.Failed, result.Outcome);
        if (ContosoRuns(testCase))
        {
            Assert.True(result.Outcome == ConformanceOutcome.Passed, result.ToString());
        }
        else
        {
            Assert.True(result.Outcome == ConformanceOutcome.Unsupported, result.ToString());
            Assert.Contains("contoso", result.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Runs_at_least_the_minimum_number_of_cases_itself()
    {
        int supported = BackendConformanceSuite.Cases.Count(ContosoRuns);
        Assert.True(supported >= MinimumSupportedCases, $"contoso runs {supported} cases; expected at least {MinimumSupportedCases}");
        Assert.Contains(BackendConformanceSuite.Cases, c => c.Op == OpKind.MatMul && c.WeightType == DType.F16 && ContosoRuns(c));
    }

    [Fact]
    public void A_device_that_does_not_exist_is_refused_with_the_reason()
    {
        var ex = Assert.Throws<NotSupportedException>(() => new ContosoBackendFactory().Create(new BackendOptions { Device = "contoso:7" }));
        Assert.Contains("\"contoso:7\" does not exist", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>What contoso claims to run: the ops of its Supports, and for MatMul and RmsNorm only F32/F16 weights.</summary>
    private static bool ContosoRuns(ConformanceCase c) => c.Op switch
    {
        OpKind.MatMul or OpKind.RmsNorm => c.WeightType is DType.F32 or DType.F16,
        OpKind.Add or OpKind.Mul or OpKind.SwiGlu or OpKind.Silu or OpKind.Scale or OpKind.Softmax => true,
        _ => false, // GetRows, Rope, Attention (and the Block/ cases, which report Attention), SelectOutputRows
    };
}
