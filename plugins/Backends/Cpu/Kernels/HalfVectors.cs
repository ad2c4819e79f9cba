using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// Vectorised F16 and BF16 widening. .NET exposes no F16C/AVX512-FP16 conversion intrinsics, so F16 uses the
/// bit trick: shift the exponent+mantissa into float position and multiply by 2^112 to re-bias the exponent (this
/// also scales subnormals exactly), then restore infinities/NaNs and the sign. BF16 is a 16-bit shift.
/// </summary>
internal static unsafe class HalfVectors
{
    private const float ExponentRebias = 5.192297e33f; // 2^112 = 2^(127 - 15)

    /// <summary>One F16 value to float (exact, scalar).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HalfToSingle(ushort h)
    {
        uint em = (uint)h & 0x7FFFu;
        float magnitude = em >= 0x7C00u
            ? BitConverter.UInt32BitsToSingle((em << 13) | 0x7F80_0000u)
            : BitConverter.UInt32BitsToSingle(em << 13) * ExponentRebias;
        return BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(magnitude) | (((uint)h & 0x8000u) << 16));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> HalfToSingle(Vector512<uint> h)
    {
        Vector512<uint> em = h & Vector512.Create(0x7FFFu);
        Vector512<uint> shifted = em << 13;
        Vector512<float> normal = shifted.AsSingle() * Vector512.Create(ExponentRebias);
        Vector512<float> special = (shifted | Vector512.Create(0x7F80_0000u)).AsSingle();
        Vector512<float> magnitude = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(em, Vector512.Create(0x7C00u)).AsSingle(), special, normal);
        return (magnitude.AsUInt32() | ((h & Vector512.Create(0x8000u)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> HalfToSingle(Vector256<uint> h)
    {
        Vector256<uint> em = h & Vector256.Create(0x7FFFu);
        Vector256<uint> shifted = em << 13;
        Vector256<float> normal = shifted.AsSingle() * Vector256.Create(ExponentRebias);
        Vector256<float> special = (shifted | Vector256.Create(0x7F80_0000u)).AsSingle();
        Vector256<float> magnitude = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(em, Vector256.Create(0x7C00u)).AsSingle(), special, normal);
        return (magnitude.AsUInt32() | ((h & Vector256.Create(0x8000u)) << 16)).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> HalfToSingle(Vector128<uint> h)
    {
        Vector128<uint> em = h & Vector128.Create(0x7FFFu);
        Vector128<uint> shifted = em << 13;
        Vector128<float> normal = shifted.AsSingle() * Vector128.Create(ExponentRebias);
        Vector128<float> special = (shifted | Vector128.Create(0x7F80_0000u)).AsSingle();
        Vector128<float> magnitude = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(em, Vector128.Create(0x7C00u)).AsSingle(), special, normal);
        return (magnitude.AsUInt32() | ((h & Vector128.Create(0x8000u)) << 16)).AsSingle();
    }

    /// <summary>Widens <paramref name="n"/> F16 (<paramref name="isBf16"/> false) or BF16 values to floats.</summary>
    public static void ToSingle(ushort* source, float* destination, int n, bool isBf16)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - 32; i += 32)
            {
                Vector512<ushort> h = Vector512.Load(source + i);
                (Vector512<uint> lo, Vector512<uint> hi) = Vector512.Widen(h);
                Convert(lo, isBf16).Store(destination + i);
                Convert(hi, isBf16).Store(destination + i + 16);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 16; i += 16)
            {
                (Vector256<uint> lo, Vector256<uint> hi) = Vector256.Widen(Vector256.Load(source + i));
                Convert(lo, isBf16).Store(destination + i);
                Convert(hi, isBf16).Store(destination + i + 8);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                (Vector128<uint> lo, Vector128<uint> hi) = Vector128.Widen(Vector128.Load(source + i));
                Convert(lo, isBf16).Store(destination + i);
                Convert(hi, isBf16).Store(destination + i + 4);
            }
        }

        for (; i < n; i++)
        {
            destination[i] = isBf16 ? BitConverter.UInt32BitsToSingle((uint)source[i] << 16) : HalfToSingle(source[i]);
        }
    }

    /// <summary>Σ w[i] * x[i] with F16 or BF16 weights widened on the fly.</summary>
    public static float Dot(ushort* w, float* x, int n, bool isBf16)
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            for (; i <= n - 64; i += 64)
            {
                (Vector512<uint> a, Vector512<uint> b) = Vector512.Widen(Vector512.Load(w + i));
                (Vector512<uint> c, Vector512<uint> d) = Vector512.Widen(Vector512.Load(w + i + 32));
                acc0 = Vector512.FusedMultiplyAdd(Convert(a, isBf16), Vector512.Load(x + i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Convert(b, isBf16), Vector512.Load(x + i + 16), acc1);
                acc2 = Vector512.FusedMultiplyAdd(Convert(c, isBf16), Vector512.Load(x + i + 32), acc2);
                acc3 = Vector512.FusedMultiplyAdd(Convert(d, isBf16), Vector512.Load(x + i + 48), acc3);
            }

            for (; i <= n - 32; i += 32)
            {
                (Vector512<uint> a, Vector512<uint> b) = Vector512.Widen(Vector512.Load(w + i));
                acc0 = Vector512.FusedMultiplyAdd(Convert(a, isBf16), Vector512.Load(x + i), acc0);
                acc1 = Vector512.FusedMultiplyAdd(Convert(b, isBf16), Vector512.Load(x + i + 16), acc1);
            }

            sum = Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
        }
        else if (Vector256.IsHardwareAccelerated && n >= 16)
        {
            Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
            for (; i <= n - 32; i += 32)
            {
                (Vector256<uint> a, Vector256<uint> b) = Vector256.Widen(Vector256.Load(w + i));
                (Vector256<uint> c, Vector256<uint> d) = Vector256.Widen(Vector256.Load(w + i + 16));
                acc0 = Vector256.FusedMultiplyAdd(Convert(a, isBf16), Vector256.Load(x + i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Convert(b, isBf16), Vector256.Load(x + i + 8), acc1);
                acc2 = Vector256.FusedMultiplyAdd(Convert(c, isBf16), Vector256.Load(x + i + 16), acc2);
                acc3 = Vector256.FusedMultiplyAdd(Convert(d, isBf16), Vector256.Load(x + i + 24), acc3);
            }

            for (; i <= n - 16; i += 16)
            {
                (Vector256<uint> a, Vector256<uint> b) = Vector256.Widen(Vector256.Load(w + i));
                acc0 = Vector256.FusedMultiplyAdd(Convert(a, isBf16), Vector256.Load(x + i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Convert(b, isBf16), Vector256.Load(x + i + 8), acc1);
            }

            sum = Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
        }
        else if (Vector128.IsHardwareAccelerated && n >= 8)
        {
            Vector128<float> acc0 = default, acc1 = default;
            for (; i <= n - 8; i += 8)
            {
                (Vector128<uint> a, Vector128<uint> b) = Vector128.Widen(Vector128.Load(w + i));
                acc0 += Convert(a, isBf16) * Vector128.Load(x + i);
                acc1 += Convert(b, isBf16) * Vector128.Load(x + i + 4);
            }

            sum = Vector128.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            float wi = isBf16 ? BitConverter.UInt32BitsToSingle((uint)w[i] << 16) : HalfToSingle(w[i]);
            sum += wi * x[i];
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Convert(Vector512<uint> h, bool isBf16) => isBf16 ? (h << 16).AsSingle() : HalfToSingle(h);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Convert(Vector256<uint> h, bool isBf16) => isBf16 ? (h << 16).AsSingle() : HalfToSingle(h);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Convert(Vector128<uint> h, bool isBf16) => isBf16 ? (h << 16).AsSingle() : HalfToSingle(h);
}
