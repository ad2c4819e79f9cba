using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Quantization.Tests;

public sealed class KnownBlockTests
{
    [Fact]
    public void Q8_0_block_has_scale_amax_over_127_and_levels_rounded_half_away_from_zero()
    {
        // amax = 127 gives d = 1 exactly, so the levels are the values rounded half away from zero.
        var values = new float[32];
        float[] head = [127f, -2.5f, 0.5f, -0.5f, 1.5f, 2.5f, 0f, -127f, 3.49f, -3.51f];
        head.CopyTo(values, 0);

        byte[] block = BlockQuantizer.Quantize(DType.Q8_0, values);

        var expected = new byte[34];
        expected[0] = 0x00;
        expected[1] = 0x3C; // F16 1.0
        sbyte[] levels = [127, -3, 1, -1, 2, 3, 0, -127, 3, -4];
        for (int i = 0; i < levels.Length; i++)
        {
            expected[2 + i] = (byte)levels[i];
        }

        Assert.Equal(expected, block);
    }

    [Fact]
    public void Q4_0_block_uses_the_signed_max_over_minus_8_and_packs_j_with_j_plus_16()
    {
        // The largest magnitude is +8, so d = 8 / -8 = -1 and q = trunc(x * -1 + 8.5) clamped to 15.
        var values = new float[32];
        values[0] = 8f;    // -8 + 8.5 = 0.5 -> 0
        values[1] = -8f;   // 16.5 -> 16 -> clamped to 15
        values[2] = 0.4f;  // 8.1 -> 8
        values[3] = -0.6f; // 9.1 -> 9
        values[16] = 3f;   // 5.5 -> 5
        values[17] = -7f;  // 15.5 -> 15
        values[18] = 0.6f; // 7.9 -> 7

        byte[] block = BlockQuantizer.Quantize(DType.Q4_0, values);

        var expected = new byte[18];
        expected[0] = 0x00;
        expected[1] = 0xBC; // F16 -1.0
        for (int j = 0; j < 16; j++)
        {
            expected[2 + j] = 0x88; // zeros encode as 8 in both nibbles
        }

        expected[2] = 0x50;
        expected[3] = 0xFF;
        expected[4] = 0x78;
        expected[5] = 0x89;
        Assert.Equal(expected, block);

        var decoded = new float[32];
        BlockQuantizer.Dequantize(DType.Q4_0, block, decoded);
        Assert.Equal(8f, decoded[0]);
        Assert.Equal(-7f, decoded[1]);
        Assert.Equal(3f, decoded[16]);
        Assert.Equal(1f, decoded[18]);
    }

    [Fact]
    public void Q4_k_decodes_a_hand_built_super_block()
    {
        var block = new byte[144];
        block[0] = 0x00; block[1] = 0x3C; // d = 1
        block[2] = 0x00; block[3] = 0x38; // dmin = 0.5
        // sub-block 0: scale 3, min 2; sub-block 1: scale 5, min 0; sub-block 5: scale 0x21 = 33, min 0x12 = 18.
        block[4 + 0] = 3;
        block[4 + 1] = 5 | (2 << 6);       // top bits of sub-block 5's scale
        block[4 + 4] = 2;
        block[4 + 5] = 0 | (1 << 6);       // top bits of sub-block 5's min
        block[4 + 9] = 0x1 | (0x2 << 4);   // low bits of sub-block 5's scale and min
        block[16 + 0] = 0x7 | (0x9 << 4);  // value 0 (sub-block 0) = 7, value 32 (sub-block 1) = 9
        block[16 + 64 + 3] = 0xA << 4;     // value 128+32+3 = 163 is in sub-block 5 with level 10

        var decoded = new float[256];
        BlockQuantizer.Dequantize(DType.Q4_K, block, decoded);

        Assert.Equal((1f * 3 * 7) - (0.5f * 2), decoded[0]);
        Assert.Equal(1f * 5 * 9, decoded[32]);
        Assert.Equal((1f * 33 * 10) - (0.5f * 18), decoded[163]);
        Assert.Equal(-(0.5f * 18), decoded[164]);
        Assert.Equal(-(0.5f * 2), decoded[1]);
    }

    [Fact]
    public void Q6_k_decodes_a_hand_built_super_block()
    {
        var block = new byte[210];
        block[208] = 0x00; block[209] = 0x40; // d = 2
        for (int i = 0; i < 16; i++)
        {
            block[192 + i] = (byte)(sbyte)(i - 8);
        }

        // Level 32 means zero; fill every value with it: low nibble 0, high bits 2 -> qh bytes 0b10101010.
        block.AsSpan(128, 64).Fill(0xAA);
        // Second half, l = 17, k = 3 (value 128 + 17 + 96 = 241): ql[64 + 32 + 17] high nibble, qh[32 + 17] bits 6..7.
        block[64 + 32 + 17] = 0x50;
        block[128 + 32 + 17] = 0x2A | (3 << 6); // level (3 << 4) | 5 = 53 -> 21
        var decoded = new float[256];
        BlockQuantizer.Dequantize(DType.Q6_K, block, decoded);

        int scale = 8 + 1 + 6 - 8; // scale index 8 + l/16 + 2k = 15 -> stored value 15 - 8 = 7
        Assert.Equal(7, scale);
        Assert.Equal(2f * 7 * 21, decoded[241]);
        Assert.Equal(0f, decoded[240]);
        Assert.Equal(0f, decoded[0]);
    }
}
