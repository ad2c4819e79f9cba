using LlmFramework.Abstractions.Backends;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Conformance.Cases;
using LlmFramework.Conformance.Checking;

namespace LlmFramework.Conformance;

/// <summary>
/// The backend conformance suite (in the manner of ggml's test-backend-ops): every op of the contract over many
/// shapes, weight dtypes, ragged batches, KV-cache states, GQA ratios and rope styles, each run on a backend and
/// compared with <see cref="ReferenceOps"/>. Every backend plugin, including third-party ones, should pass it.
/// </summary>
/// <remarks>
/// <para>
/// A case whose node a backend declines (<see cref="IBackend.Supports"/> = No) is <see cref="ConformanceOutcome.Unsupported"/>,
/// not failed. An exception from <see cref="IBackend.Execute"/> is a failure, except in the cases whose step is invalid on
/// purpose (GetRows ids outside the table, ExpertMatMul routes naming no expert), where the backend must throw. The
/// backend's inputs must be left unchanged, and the KV cache written by Attention and LatentAttention must match the
/// reference bit for bit in every layer, stream and slot.
/// </para>
/// <para>
/// An output value passes when |backend - reference| &lt;= tolerance * m + floor, the reference being computed on the
/// dequantised weights in double:
/// </para>
/// <list type="bullet">
/// <item>GetRows: exact for F32/F16/BF16 tables; 1e-6 of the row's max |value| for quantised tables.</item>
/// <item>MatMul: 1e-5 of m = sum |x*w|, plus for F16 weights 250 ||x*w||, for BF16 2000 ||x*w||, for quantised weights
/// 2000 max|x| ||w|| (room for rounding x to F16, BF16 or 8-bit blocks as ggml does, about 9 standard deviations).</item>
/// <item>RmsNorm, Silu, SwiGlu, Softmax: 1e-5 of |reference| (floors 1e-10 for Silu and SwiGlu, 1e-9 for Softmax).</item>
/// <item>Add: 1e-6 of |a| + |b|; Mul and Scale: 1e-6 of |reference|; SelectOutputRows: exact.</item>
/// <item>Rope: 1e-5 of the rotated pair's norm times |factor| times (1 + 0.024 |angle|), for an F32 angle.</item>
/// <item>Attention: 1e-4 of the max |v| over the attended positions times (1 + 0.01 max scale*sum|q*k|), floor 1e-7.</item>
/// <item>HeadMatMul, ExpertMatMul: as MatMul, over the head's (the slot's) K values and the weight row they meet.</item>
/// <item>SliceColumns, ConcatColumns: exact. LatentAttention: as Attention, with the latents as values and the score
/// magnitude scale*(sum|q_c*c| + sum|q_r*kr|).</item>
/// <item>MoeRoute: expert ids exact (the cases leave no near-ties), weights 1e-5 of |reference|; MoeCombine: 1e-5 of
/// sum_s |w_s*y_s|.</item>
/// </list>
/// </remarks>
public static class BackendConformanceSuite
{
    private static readonly Lazy<IReadOnlyList<ConformanceCase>> AllCases = new(CaseCatalog.Create);

    /// <summary>Every case, in a fixed order; the data of each is derived from its name, so runs are deterministic.</summary>
    public static IReadOnlyList<ConformanceCase> Cases => AllCases.Value;

    /// <summary>The case named <paramref name="name"/> (for test frameworks that pass case names).</summary>
    /// <exception cref="KeyNotFoundException">No case has that name.</exception>
    public static ConformanceCase GetCase(string name) =>
        Cases.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"there is no conformance case named '{name}'");

    /// <summary>Runs one case on <paramref name="backend"/> and checks it against the reference.</summary>
    /// <param name="backend">The backend under test.</param>
    /// <param name="testCase">The case (one of <see cref="Cases"/>).</param>
    /// <returns>The outcome with the largest errors seen; exceptions thrown by the backend become a failure.</returns>
    public static ConformanceResult Run(IBackend backend, ConformanceCase testCase)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(testCase);
        using CaseSetup setup = testCase.CreateSetup();
        foreach (GraphNode node in setup.NodesUnderTest)
        {
            OpSupport support = backend.Supports(node);
            if (!support.IsSupported)
            {
                return new ConformanceResult(testCase, ConformanceOutcome.Unsupported, 0, 0, $"{node.Op} '{node.Output.Name}': {support.Reason ?? "no reason given"}");
            }
        }

        ConformanceExecutionContext actual = setup.CreateContext(Math.Clamp(Environment.ProcessorCount, 1, 4));
        try
        {
            backend.Execute(setup.NodesUnderTest, actual);
        }
#pragma warning disable CA1031 // Any exception from the backend is a result to report, not a crash of the suite.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return setup.ExpectsError
                ? new ConformanceResult(testCase, ConformanceOutcome.Passed, 0, 0, null)
                : new ConformanceResult(testCase, ConformanceOutcome.Failed, 0, 0, $"Execute threw {ex.GetType().Name}: {ex.Message}");
        }

        if (setup.ExpectsError)
        {
            return new ConformanceResult(testCase, ConformanceOutcome.Failed, 0, 0, "the step is invalid (see the case description) but Execute did not throw");
        }

        return CaseVerifier.Verify(testCase, setup, actual);
    }

    /// <summary>Runs every case of <see cref="Cases"/> on <paramref name="backend"/>, in order.</summary>
    public static IReadOnlyList<ConformanceResult> RunAll(IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return Cases.Select(c => Run(backend, c)).ToArray();
    }
}
