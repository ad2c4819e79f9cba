using LlmFramework.Models.Llama.TestModels;

namespace LlmFramework.Models.Llama.Tests.TestModels;

public sealed class QkPermutationTests
{
    [Fact]
    public void Permuted_rows_under_interleaved_rope_equal_hf_rows_under_neox_rope()
    {
        const int heads = 3, headDim = 8, columns = 5, position = 7;
        var rng = new Random(1);
        float[] w = Enumerable.Range(0, heads * headDim * columns).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] x = Enumerable.Range(0, columns).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        double[] hf = Rotate(MatVec(w, x), heads, headDim, position, neox: true);
        double[] gguf = Rotate(MatVec(QkPermutation.ToGgufOrder(w, heads, columns), x), heads, headDim, position, neox: false);

        // Same rotated values, GGUF pairs adjacent: gguf[h*Dh + 2j + s] == hf[h*Dh + s*Dh/2 + j], so every q.k is equal.
        for (int h = 0; h < heads; h++)
        {
            for (int j = 0; j < headDim / 2; j++)
            {
                for (int s = 0; s < 2; s++)
                {
                    Assert.Equal(hf[(h * headDim) + (s * headDim / 2) + j], gguf[(h * headDim) + (2 * j) + s], 9);
                }
            }
        }
    }

    [Fact]
    public void Rejects_odd_head_dims()
    {
        Assert.Throws<ArgumentException>(() => QkPermutation.ToGgufOrder(new float[2 * 3 * 4], 2, 4));
    }

    private static double[] MatVec(float[] w, float[] x)
    {
        var y = new double[w.Length / x.Length];
        for (int r = 0; r < y.Length; r++)
        {
            for (int c = 0; c < x.Length; c++)
            {
                y[r] += w[(r * x.Length) + c] * (double)x[c];
            }
        }

        return y;
    }

    private static double[] Rotate(double[] v, int heads, int headDim, int position, bool neox)
    {
        var y = (double[])v.Clone();
        int half = headDim / 2;
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = position * Math.Pow(10000, -2.0 * i / headDim);
                int a = (h * headDim) + (neox ? i : 2 * i);
                int b = neox ? a + half : a + 1;
                y[a] = (v[a] * Math.Cos(angle)) - (v[b] * Math.Sin(angle));
                y[b] = (v[a] * Math.Sin(angle)) + (v[b] * Math.Cos(angle));
            }
        }

        return y;
    }
}
