using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Contoso.LlmBackend.Kernels;

/// <summary>
/// IEEE binary16 to binary32, 16 values at a time. .NET 10 has no vector Half conversion, so the bits are moved:
/// shifting sign-less half bits up by 13 and multiplying by 2^112 rebiases the exponent and turns half subnormals
/// into the right floats; infinities and NaNs (exponent 31) get the float's all-ones exponent instead.
/// </summary>
internal static class HalfConverter
{
    private const uint TwoTo112Bits = (127 + 112) << 23;

    public static void ToSingle(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        int n = source.Length;
        ref ushort s = ref MemoryMarshal.GetReference(source);
        ref float d = ref MemoryMarshal.GetReference(destination[..n]);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                (Vector256<uint> lower, Vector256<uint> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref s, (nuint)i));
                Widen(lower).StoreUnsafe(ref d, (nuint)i);
                Widen(upper).StoreUnsafe(ref d, (nuint)(i + Vector256<float>.Count));
            }
        }

        for (; i < n; i++)
        {
            destination[i] = (float)BitConverter.UInt16BitsToHalf(source[i]);
        }
    }

    private static Vector256<float> Widen(Vector256<uint> half)
    {
        Vector256<uint> sign = (half & Vector256.Create(0x8000u)) << 16;
        Vector256<uint> magnitude = (half & Vector256.Create(0x7FFFu)) << 13;
        Vector256<uint> finite = (magnitude.AsSingle() * Vector256.Create(BitConverter.UInt32BitsToSingle(TwoTo112Bits))).AsUInt32();
        Vector256<uint> infinityOrNaN = Vector256.Equals(half & Vector256.Create(0x7C00u), Vector256.Create(0x7C00u));
        Vector256<uint> bits = Vector256.ConditionalSelect(infinityOrNaN, magnitude | Vector256.Create(0x7F800000u), finite);
        return (bits | sign).AsSingle();
    }
}
