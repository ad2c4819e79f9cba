using System.Runtime.CompilerServices;

namespace LlmFramework.Quantization;

/// <summary>
/// Conversions between <see cref="float"/> and the two 16-bit float formats stored in checkpoints:
/// IEEE binary16 (F16) and bfloat16 (BF16). Both directions round to nearest, ties to even.
/// </summary>
public static class HalfConversion
{
    /// <summary>Converts IEEE binary16 bits to a float (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>Converts a float to IEEE binary16 bits, rounding to nearest even (overflow gives infinity).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToHalf(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    /// <summary>Converts bfloat16 bits to a float (exact: the bits are the upper half of a binary32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BF16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Converts a float to bfloat16 bits, rounding to nearest even; NaN stays a (quiet) NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBF16(float value)
    {
        uint u = BitConverter.SingleToUInt32Bits(value);
        if ((u & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((u >> 16) | 0x40);
        }

        u += 0x7FFFu + ((u >> 16) & 1u);
        return (ushort)(u >> 16);
    }

    /// <summary>Converts F16 values to floats; <paramref name="destination"/> must be at least as long as <paramref name="source"/>.</summary>
    public static void HalfToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = HalfToSingle(source[i]);
        }
    }

    /// <summary>Converts floats to F16 values; <paramref name="destination"/> must be at least as long as <paramref name="source"/>.</summary>
    public static void SingleToHalf(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = SingleToHalf(source[i]);
        }
    }

    /// <summary>Converts BF16 values to floats; <paramref name="destination"/> must be at least as long as <paramref name="source"/>.</summary>
    public static void BF16ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = BF16ToSingle(source[i]);
        }
    }

    /// <summary>Converts floats to BF16 values (nearest even); <paramref name="destination"/> must be at least as long as <paramref name="source"/>.</summary>
    public static void SingleToBF16(ReadOnlySpan<float> source, Span<ushort> destination)
    {
        CheckLengths(source.Length, destination.Length, nameof(destination));
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = SingleToBF16(source[i]);
        }
    }

    private static void CheckLengths(int source, int destination, string name)
    {
        if (destination < source)
        {
            throw new ArgumentException($"destination holds {destination} values but the source has {source}", name);
        }
    }
}
