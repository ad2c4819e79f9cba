namespace LlmFramework.Conformance.Checking;

/// <summary>Accumulates the largest errors of a run and remembers the first value out of tolerance.</summary>
internal sealed class ErrorTracker
{
    public double MaxAbsError { get; private set; }

    public double MaxRelError { get; private set; }

    public long Violations { get; private set; }

    public long Compared { get; private set; }

    public string? FirstViolation { get; private set; }

    /// <summary>Compares one value; <paramref name="where"/> describes it when it is the first one out of tolerance.</summary>
    public void Compare(float actual, float expected, double magnitude, Tolerance tolerance, Func<string> where)
    {
        Compared++;
        double error = Math.Abs((double)actual - expected);
        if (double.IsNaN(error))
        {
            error = actual.Equals(expected) ? 0 : double.PositiveInfinity;
        }

        MaxAbsError = Math.Max(MaxAbsError, error);
        if (error > 0)
        {
            // Relative to the magnitude plus the absolute floor expressed as a magnitude: passes iff <= the relative tolerance.
            double scale = magnitude + (tolerance.Relative > 0 ? tolerance.Absolute / tolerance.Relative : 0);
            MaxRelError = Math.Max(MaxRelError, scale > 0 ? error / scale : double.PositiveInfinity);
        }

        double allowed = (tolerance.Relative * magnitude) + tolerance.Absolute;
        if (!(error <= allowed))
        {
            Fail(() => $"{where()}: backend {actual:G9}, reference {expected:G9}, |error| {error:G3} > allowed {allowed:G3} (m = {magnitude:G4})");
        }
    }

    /// <summary>Records a violation that is not a numeric comparison.</summary>
    public void Fail(Func<string> message)
    {
        Violations++;
        FirstViolation ??= message();
    }
}
