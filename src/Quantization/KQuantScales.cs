using System.Runtime.CompilerServices;

namespace LlmFramework.Quantization;

/// <summary>Unpacks the 6-bit sub-block scales and mins that ggml's Q4_K super-block packs into 12 bytes.</summary>
public static class KQuantScales
{
    /// <summary>
    /// Scale and min (each 0..63) of sub-block <paramref name="j"/> (0..7) from the 12 packed bytes
    /// <paramref name="scales"/>: sub-blocks 0-3 use the low 6 bits of bytes j and j+4; sub-blocks 4-7 take their
    /// low 4 bits from byte j+4 and their top 2 bits from the top bits of bytes j-4 and j.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GetScaleMinK4(ReadOnlySpan<byte> scales, int j, out int scale, out int min)
    {
        if (j < 4)
        {
            scale = scales[j] & 63;
            min = scales[j + 4] & 63;
        }
        else
        {
            scale = (scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4);
            min = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
        }
    }
}
