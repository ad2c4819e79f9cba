using LlmFramework.Abstractions.Execution;

namespace LlmFramework.Backends.Cpu.Tests.Support;

internal static class Data
{
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

    /// <summary>A batch of one sequence with <paramref name="tokens"/> tokens from position <paramref name="start"/>, all rows output.</summary>
    public static StepBatch Batch(int tokens, int start = 0, int[]? blockTable = null)
    {
        var batch = new StepBatch(Math.Max(tokens, 1));
        if (tokens > 0)
        {
            batch.Add(0, new int[tokens], start, blockTable ?? [], wantLogits: true);
            batch.OutputAllTokens();
        }

        return batch;
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Func<int, double> tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs((double)expected[i] - actual[i]);
            if (!(error <= tolerance(i)))
            {
                Assert.Fail($"{what}: value {i} is {actual[i]}, expected {expected[i]} (error {error:E3} > tolerance {tolerance(i):E3})");
            }
        }
    }
}
