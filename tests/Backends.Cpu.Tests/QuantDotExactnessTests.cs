using LlmFramework.Abstractions.Tensors;
using LlmFramework.Backends.Cpu.Kernels;
using LlmFramework.Backends.Cpu.Tests.Support;

namespace LlmFramework.Backends.Cpu.Tests;

/// <summary>
/// The quantised dot kernels against a double loop that uses the same Q8-quantised activations (levels · scale),
/// so only float rounding separates them: tolerance 1e-5 · Σ|w·x_q|.
/// </summary>
public sealed unsafe class QuantDotExactnessTests
{
    [Theory]
    [InlineData(DType.Q8_0, 32)]
    [InlineData(DType.Q8_0, 352)]
    [InlineData(DType.Q4_0, 64)]
    [InlineData(DType.Q4_0, 480)]
    [InlineData(DType.Q4_K, 256)]
    [InlineData(DType.Q4_K, 1024)]
    [InlineData(DType.Q6_K, 256)]
    [InlineData(DType.Q6_K, 768)]
    public void Quantised_dot_equals_the_dot_with_the_same_quantised_activations(DType type, int k)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            WeightTensor w = TestWeights.Create("w", type, 1, k, Data.Gaussian(k, seed, scale: 0.1f + seed));
            float[] wd = TestWeights.Decode(w);
            float[] x = Data.Gaussian(k, seed + 100, scale: 3f);
            var q8 = new Q8Activations();
            float actual;
            fixed (float* px = x)
            {
                q8.Quantize(px, 1, k);
                actual = type switch
                {
                    DType.Q8_0 => QuantDots.DotQ8_0(w.Data, q8.Levels, q8.Scales, k / 32),
                    DType.Q4_0 => QuantDots.DotQ4_0(w.Data, q8.Levels, q8.Scales, q8.Sums, k / 32),
                    DType.Q4_K => KQuantDots.DotQ4K(w.Data, q8.Levels, q8.Scales, q8.Sums, k / 256),
                    _ => KQuantDots.DotQ6K(w.Data, q8.Levels, q8.Scales, k / 256),
                };
            }

            double expected = 0, magnitude = 0;
            for (int i = 0; i < k; i++)
            {
                double xi = q8.Levels[i] * (double)q8.Scales[i / 32];
                expected += wd[i] * xi;
                magnitude += Math.Abs(wd[i] * xi);
            }

            Assert.True(Math.Abs(expected - actual) <= 1e-5 * magnitude, $"{type} K={k} seed={seed}: {actual} vs {expected} (magnitude {magnitude})");
        }
    }

    [Theory]
    [InlineData(DType.Q8_0, 96)]
    [InlineData(DType.Q4_K, 512)]
    [InlineData(DType.Q6_K, 768)]
    public void Four_row_tiles_equal_four_single_row_dots(DType type, int k)
    {
        if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            return; // the tiles are Avx2 kernels; MatMulTests cover the fallback through the backend
        }

        WeightTensor w = TestWeights.Create("w", type, 1, k, Data.Gaussian(k, 3));
        float[] x = Data.Gaussian(4 * k, 4, scale: 2f);
        var q8 = new Q8Activations();
        var tiled = new float[4 * 5];
        fixed (float* px = x)
        fixed (float* py = tiled)
        {
            q8.Quantize(px, 4, k);
            int rowBlocks = k / 32;
            if (type == DType.Q8_0)
            {
                QuantDots.DotQ8_0x4(w.Data, q8.Levels, q8.Scales, rowBlocks, rowBlocks, py, 5);
            }
            else if (type == DType.Q4_K)
            {
                KQuantDots.DotQ4Kx4(w.Data, q8.Levels, q8.Scales, q8.Sums, k / 256, rowBlocks, py, 5);
            }
            else
            {
                KQuantDots.DotQ6Kx4(w.Data, q8.Levels, q8.Scales, k / 256, rowBlocks, py, 5);
            }

            for (int r = 0; r < 4; r++)
            {
                long b = (long)r * rowBlocks;
                float single = type switch
                {
                    DType.Q8_0 => QuantDots.DotQ8_0(w.Data, q8.Levels + (b * 32), q8.Scales + b, rowBlocks),
                    DType.Q4_K => KQuantDots.DotQ4K(w.Data, q8.Levels + (b * 32), q8.Scales + b, q8.Sums + b, k / 256),
                    _ => KQuantDots.DotQ6K(w.Data, q8.Levels + (b * 32), q8.Scales + b, k / 256),
                };
                Assert.Equal(single, tiled[r * 5], Math.Abs(single) * 1e-5f + 1e-5f);
            }
        }
    }
}
