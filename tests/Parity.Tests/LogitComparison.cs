using System.Globalization;

namespace LlmFramework.Parity.Tests;

/// <summary>How far one logits vector is from a reference one, scaled by the reference's spread.</summary>
public sealed record LogitComparison(double MaxAbsDiff, double ReferenceStd, int ReferenceArgMax, int OursArgMax, float ReferenceTopGap)
{
    /// <summary>max|ours - reference| / std(reference).</summary>
    public double Relative => MaxAbsDiff / ReferenceStd;

    /// <summary>Compares <paramref name="ours"/> with <paramref name="reference"/> (same length).</summary>
    public static LogitComparison Of(float[] reference, float[] ours)
    {
        if (reference.Length != ours.Length)
        {
            throw new ArgumentException($"logits lengths differ: reference {reference.Length}, ours {ours.Length}");
        }

        double mean = reference.Average(v => (double)v);
        double std = Math.Sqrt(reference.Average(v => (v - mean) * (v - mean)));
        double maxDiff = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double d = Math.Abs((double)reference[i] - ours[i]);
            maxDiff = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(maxDiff, d);
        }

        (int refBest, float gap) = LlamaCppReference.ArgMaxWithGap(reference);
        return new LogitComparison(maxDiff, std, refBest, LlamaCppReference.ArgMaxWithGap(ours).Index, gap);
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"max|diff| {MaxAbsDiff:G3} = {Relative:G3} x std {ReferenceStd:G3}; argmax ref {ReferenceArgMax} ours {OursArgMax} (ref top gap {ReferenceTopGap:G3})");
}
