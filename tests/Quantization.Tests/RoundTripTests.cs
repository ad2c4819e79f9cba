using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Quantization.Tests;

public sealed class RoundTripTests
{
    [Theory]
    [InlineData(DType.F32, 0.0)]
    [InlineData(DType.F16, 0.001)]
    [InlineData(DType.BF16, 0.005)]
    [InlineData(DType.Q8_0, 0.01)]
    [InlineData(DType.Q4_0, 0.12)]
    [InlineData(DType.Q4_K, 0.075)] // ggml's reference Q4_K lands at ~7.1 % on unit Gaussians
    [InlineData(DType.Q6_K, 0.02)]
    public void Gaussian_data_round_trips_within_the_type_error_bound(DType type, double maxRelativeRms)
    {
        float[] values = TestData.Gaussian(256 * 16, seed: 42);
        byte[] encoded = BlockQuantizer.Quantize(type, values);
        var decoded = new float[values.Length];
        BlockQuantizer.Dequantize(type, encoded, decoded);

        double error = TestData.RelativeRms(values, decoded);
        Assert.True(error <= maxRelativeRms, $"{type}: relative RMS error {error:P3} exceeds {maxRelativeRms:P1}");
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void Quantising_decoded_values_again_reproduces_them(DType type)
    {
        // Decoded values sit exactly on the quantisation grid, so a second pass must land on the same values.
        float[] values = TestData.Gaussian(512, seed: 7, scale: 3f);
        var once = new float[values.Length];
        BlockQuantizer.Dequantize(type, BlockQuantizer.Quantize(type, values), once);
        var twice = new float[values.Length];
        BlockQuantizer.Dequantize(type, BlockQuantizer.Quantize(type, once), twice);

        double error = TestData.RelativeRms(once, twice);
        Assert.True(error < 0.02, $"{type}: re-quantisation drifted by {error:P3}");
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void All_zero_blocks_decode_to_zero(DType type)
    {
        var values = new float[512];
        var decoded = new float[512];
        decoded.AsSpan().Fill(1f);
        BlockQuantizer.Dequantize(type, BlockQuantizer.Quantize(type, values), decoded);

        Assert.All(decoded, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(DType.Q8_0)]
    [InlineData(DType.Q4_0)]
    [InlineData(DType.Q4_K)]
    [InlineData(DType.Q6_K)]
    public void Blocks_are_encoded_independently(DType type)
    {
        int bs = DTypeInfo.BlockSize(type);
        float[] values = TestData.Gaussian(bs * 3, seed: 3);
        byte[] whole = BlockQuantizer.Quantize(type, values);
        byte[] middle = BlockQuantizer.Quantize(type, values.AsSpan(bs, bs));

        Assert.Equal(middle, whole.AsSpan(DTypeInfo.BlockBytes(type), DTypeInfo.BlockBytes(type)).ToArray());
    }

    [Fact]
    public void Constant_positive_block_of_q4_k_is_reproduced_closely()
    {
        var values = new float[256];
        values.AsSpan().Fill(0.75f);
        var decoded = new float[256];
        BlockQuantizer.Dequantize(DType.Q4_K, BlockQuantizer.Quantize(DType.Q4_K, values), decoded);

        Assert.All(decoded, v => Assert.Equal(0.75f, v, 0.01f));
    }
}
