namespace LlmFramework.Quantization.Tests;

internal static class TestData
{
    /// <summary>Deterministic standard-normal values (Box-Muller over a seeded Random).</summary>
    public static float[] Gaussian(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            values[i] = scale * (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }

        return values;
    }

    public static double RelativeRms(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double err = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = expected[i] - actual[i];
            err += d * d;
            norm += (double)expected[i] * expected[i];
        }

        return Math.Sqrt(err / norm);
    }
}
