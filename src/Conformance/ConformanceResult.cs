namespace LlmFramework.Conformance;

/// <summary>The result of running one <see cref="ConformanceCase"/> on a backend.</summary>
/// <param name="Case">The case.</param>
/// <param name="Outcome">Passed, failed or unsupported.</param>
/// <param name="MaxAbsError">Largest |backend - reference| over every compared value (outputs and KV cache); 0 when nothing ran.</param>
/// <param name="MaxRelError">
/// Largest |backend - reference| / m over the compared outputs, where m is the per-value magnitude the op's tolerance
/// is stated against (|reference| for element-wise ops, sum |x*w| for MatMul, see the op list in docs/conformance.md).
/// A case passes when every value has |backend - reference| at most <see cref="ConformanceCase.RelativeTolerance"/> * m
/// plus the op's small absolute floor.
/// </param>
/// <param name="Message">Why the case failed or is unsupported (the first offending value and how many there were); null when it passed.</param>
public sealed record ConformanceResult(ConformanceCase Case, ConformanceOutcome Outcome, double MaxAbsError, double MaxRelError, string? Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Outcome} {Case.Name}: max abs {MaxAbsError:G3}, max rel {MaxRelError:G3}{(Message is null ? "" : " - " + Message)}";
}
