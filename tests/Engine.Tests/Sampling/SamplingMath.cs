using LlmFramework.Engine.Sampling;

namespace LlmFramework.Engine.Tests.Sampling;

/// <summary>Reference computations for sampler tests, in double precision.</summary>
internal static class SamplingMath
{
    public static double[] Softmax(ReadOnlySpan<float> logits, double temperature = 1)
    {
        double max = double.NegativeInfinity;
        foreach (float x in logits)
        {
            max = Math.Max(max, x);
        }

        var p = new double[logits.Length];
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            p[i] = Math.Exp((logits[i] - max) / temperature);
            sum += p[i];
        }

        for (int i = 0; i < p.Length; i++)
        {
            p[i] /= sum;
        }

        return p;
    }

    /// <summary>Logits whose softmax is exactly <paramref name="probabilities"/> (up to float rounding).</summary>
    public static float[] LogitsFor(params double[] probabilities) =>
        [.. probabilities.Select(p => (float)Math.Log(p))];

    /// <summary>How often each id is drawn in <paramref name="draws"/> calls.</summary>
    public static int[] Histogram(Sampler sampler, float[] logits, int draws, int[]? previous = null)
    {
        var counts = new int[logits.Length];
        for (int i = 0; i < draws; i++)
        {
            counts[sampler.Sample(logits, previous ?? [])]++;
        }

        return counts;
    }

    public static SamplingOptions Plain(float temperature = 1f, ulong seed = 42) => new()
    {
        Temperature = temperature,
        TopK = 0,
        TopP = 1f,
        MinP = 0f,
        Seed = seed,
    };
}
