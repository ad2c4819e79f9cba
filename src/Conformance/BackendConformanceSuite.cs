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
/// A case whose node a backend declines (<see cref="IBackend.Supports"/> = No) is <see cref="ConformanceOutcome.Unsupported"/>,
/// not failed. Tolerances are per op and weight dtype (<see cref="ConformanceCase.RelativeTolerance"/>); the KV cache
/// written by Attention must match bit for bit, and untouched slots must keep their contents.
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
