namespace LlmFramework.Formats.Tests;

public sealed class SeededRandomTests
{
    [Fact]
    public void The_same_seed_gives_the_same_values_and_another_seed_others()
    {
        float[] a = Draw(7), b = Draw(7), c = Draw(8);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Gaussian_values_have_about_the_asked_mean_and_std_within_the_irwin_hall_range()
    {
        var values = new float[20000];
        new SeededRandom(1).Fill(values, 1f, 0.5f);
        double mean = values.Average();
        double std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(1.0, mean, 1);
        Assert.Equal(0.5, std, 1);
        Assert.All(values, v => Assert.InRange(v, 1f - (0.5f * 3.4642f), 1f + (0.5f * 3.4642f)));
    }

    private static float[] Draw(int seed)
    {
        var values = new float[64];
        new SeededRandom(seed).Fill(values, 0f, 1f);
        return values;
    }
}
