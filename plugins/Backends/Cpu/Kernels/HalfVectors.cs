using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// Vectorised F16 and BF16 widening and dots. .NET 10 exposes no F16C/AVX512-FP16 conversion intrinsics, so F16
/// uses the bit trick on sign-extended halves (vpmovsxwd): shift the exponent+mantissa into float position, keep the
/// sign, multiply by 2^112 to re-bias the exponent (exact for subnormals too) and, unless the weight is known to be
/// finite, force exponent 31 to infinity/NaN. BF16 is a 16-bit shift. Generic over a widening struct so each
/// variant compiles to its own branch-free loop.
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

    /// <summary>Widens <paramref name="n"/> F16 (<paramref name="isBf16"/> false) or BF16 values to floats (exact).</summary>
    public static void ToSingle(ushort* source, float* destination, int n, bool isBf16)
    {
        if (isBf16)
        {
            ToSingle<Bf16Widening>(source, destination, n);
        }
        else
        {
            ToSingle<F16Widening>(source, destination, n);
        }
    }

    /// <summary>
    /// Widens <paramref name="n"/> F16 values known to hold no infinity or NaN (see <see cref="HasInfinityOrNaN"/>) to
    /// floats, exactly, with 3 vector ops per vector instead of 7.
    /// </summary>
    public static void ToSingleFiniteF16(ushort* source, float* destination, int n) => ToSingle<FiniteF16Widening>(source, destination, n);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ToSingle<TWidening>(ushort* source, float* destination, int n)
        where TWidening : struct, IWidening
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            for (; i <= n - 16; i += 16)
            {
                TWidening.Widen(Avx512F.ConvertToVector512Int32(Vector256.Load((short*)source + i))).Store(destination + i);
            }
        }

        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            for (; i <= n - 8; i += 8)
            {
                TWidening.Widen(Avx2.ConvertToVector256Int32((short*)source + i)).Store(destination + i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                (Vector128<int> a, Vector128<int> b) = Vector128.Widen(Vector128.Load((short*)source + i));
                TWidening.Widen(a).Store(destination + i);
                TWidening.Widen(b).Store(destination + i + 4);
            }
        }

        for (; i < n; i++)
        {
            destination[i] = TWidening.Widen(source[i]);
        }
    }

    /// <summary>Σ w[i] * x[i] with F16 (<paramref name="isBf16"/> false) or BF16 weights widened on the fly.</summary>
    public static float Dot(ushort* w, float* x, int n, bool isBf16) =>
        isBf16 ? Dot<Bf16Widening>(w, x, n) : Dot<F16Widening>(w, x, n);

    /// <summary>
    /// Σ w[i] * x[i] for F16 weights known to hold no infinity or NaN (see <see cref="HasInfinityOrNaN"/>): the
    /// widening then needs no exponent-31 fix-up, 4 vector ops instead of 7.
    /// </summary>
    public static float DotFiniteF16(ushort* w, float* x, int n) => Dot<FiniteF16Widening>(w, x, n);

    /// <summary>True when any of the <paramref name="n"/> F16 values is an infinity or NaN (exponent 31).</summary>
    public static bool HasInfinityOrNaN(ushort* h, long n)
    {
        long i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var exponent = Vector256.Create((ushort)0x7C00);
            Vector256<ushort> any = default;
            for (; i <= n - 16; i += 16)
            {
                any |= Vector256.Equals(Vector256.Load(h + i) & exponent, exponent);
            }

            if (any != Vector256<ushort>.Zero)
            {
                return true;
            }
        }

        for (; i < n; i++)
        {
            if ((h[i] & 0x7C00) == 0x7C00)
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TWidening>(ushort* w, float* x, int n)
        where TWidening : struct, IWidening
    {
        int i = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported && n >= 16)
        {
            sum = Dot512<TWidening>(w, x, n, ref i);
        }
        else if (Vector256.IsHardwareAccelerated && Avx2.IsSupported && n >= 8)
        {
            sum = Dot256<TWidening>(w, x, n, ref i);
        }
        else if (Vector128.IsHardwareAccelerated && n >= 8)
        {
            Vector128<float> acc0 = default, acc1 = default;
            for (; i <= n - 8; i += 8)
            {
                (Vector128<int> a, Vector128<int> b) = Vector128.Widen(Vector128.Load((short*)w + i));
                acc0 += TWidening.Widen(a) * Vector128.Load(x + i);
                acc1 += TWidening.Widen(b) * Vector128.Load(x + i + 4);
            }

            sum = Vector128.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            sum += TWidening.Widen(w[i]) * x[i];
        }

        return sum;
    }

    // Each width lives in its own method: with all of them in one body the JIT spilled the accumulators every iteration.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Dot512<TWidening>(ushort* w, float* x, int n, ref int index)
        where TWidening : struct, IWidening
    {
        short* h = (short*)w;
        int i = 0;
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (; i <= n - 64; i += 64)
        {
            acc0 = Vector512.FusedMultiplyAdd(TWidening.Widen(Avx512F.ConvertToVector512Int32(Vector256.Load(h + i))), Vector512.Load(x + i), acc0);
            acc1 = Vector512.FusedMultiplyAdd(TWidening.Widen(Avx512F.ConvertToVector512Int32(Vector256.Load(h + i + 16))), Vector512.Load(x + i + 16), acc1);
            acc2 = Vector512.FusedMultiplyAdd(TWidening.Widen(Avx512F.ConvertToVector512Int32(Vector256.Load(h + i + 32))), Vector512.Load(x + i + 32), acc2);
            acc3 = Vector512.FusedMultiplyAdd(TWidening.Widen(Avx512F.ConvertToVector512Int32(Vector256.Load(h + i + 48))), Vector512.Load(x + i + 48), acc3);
        }

        for (; i <= n - 16; i += 16)
        {
            acc0 = Vector512.FusedMultiplyAdd(TWidening.Widen(Avx512F.ConvertToVector512Int32(Vector256.Load(h + i))), Vector512.Load(x + i), acc0);
        }

        index = i;
        return Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Dot256<TWidening>(ushort* w, float* x, int n, ref int index)
        where TWidening : struct, IWidening
    {
        short* h = (short*)w;
        int i = 0;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (; i <= n - 32; i += 32)
        {
            acc0 = Vector256.FusedMultiplyAdd(TWidening.Widen(Avx2.ConvertToVector256Int32(h + i)), Vector256.Load(x + i), acc0);
            acc1 = Vector256.FusedMultiplyAdd(TWidening.Widen(Avx2.ConvertToVector256Int32(h + i + 8)), Vector256.Load(x + i + 8), acc1);
            acc2 = Vector256.FusedMultiplyAdd(TWidening.Widen(Avx2.ConvertToVector256Int32(h + i + 16)), Vector256.Load(x + i + 16), acc2);
            acc3 = Vector256.FusedMultiplyAdd(TWidening.Widen(Avx2.ConvertToVector256Int32(h + i + 24)), Vector256.Load(x + i + 24), acc3);
        }

        for (; i <= n - 8; i += 8)
        {
            acc0 = Vector256.FusedMultiplyAdd(TWidening.Widen(Avx2.ConvertToVector256Int32(h + i)), Vector256.Load(x + i), acc0);
        }

        index = i;
        return Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    /// <summary>Widening of 16-bit floats that arrive sign-extended to 32 bits (vpmovsxwd).</summary>
    private interface IWidening
    {
        static abstract float Widen(ushort bits);

        static abstract Vector128<float> Widen(Vector128<int> signExtended);

        static abstract Vector256<float> Widen(Vector256<int> signExtended);

        static abstract Vector512<float> Widen(Vector512<int> signExtended);
    }

    /// <summary>
    /// F16 from sign-extended bits s: t = s &lt;&lt; 13 puts the exponent+mantissa at float position with copies of the
    /// sign above; masking with 0x8FFFE000 keeps the sign bit (bit 31) and clears the copies, and the 2^112 multiply
    /// re-biases the exponent (exact for subnormals too). Infinities/NaNs (exponent 31) get the float exponent forced.
    /// </summary>
    private readonly struct F16Widening : IWidening
    {
        public static float Widen(ushort bits) => HalfToSingle(bits);

        public static Vector128<float> Widen(Vector128<int> s)
        {
            Vector128<int> t = s << 13;
            Vector128<float> value = (t & Vector128.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector128.Create(ExponentRebias);
            Vector128<int> special = Vector128.GreaterThanOrEqual(t & Vector128.Create(0x0FFFE000), Vector128.Create(0x0F800000));
            return Vector128.ConditionalSelect(special.AsSingle(), (value.AsInt32() | Vector128.Create(0x7F800000)).AsSingle(), value);
        }

        public static Vector256<float> Widen(Vector256<int> s)
        {
            Vector256<int> t = s << 13;
            Vector256<float> value = (t & Vector256.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector256.Create(ExponentRebias);
            Vector256<int> special = Vector256.GreaterThanOrEqual(t & Vector256.Create(0x0FFFE000), Vector256.Create(0x0F800000));
            return Vector256.ConditionalSelect(special.AsSingle(), (value.AsInt32() | Vector256.Create(0x7F800000)).AsSingle(), value);
        }

        public static Vector512<float> Widen(Vector512<int> s)
        {
            Vector512<int> t = s << 13;
            Vector512<float> value = (t & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector512.Create(ExponentRebias);
            Vector512<int> special = Vector512.GreaterThanOrEqual(t & Vector512.Create(0x0FFFE000), Vector512.Create(0x0F800000));
            return Vector512.ConditionalSelect(special.AsSingle(), (value.AsInt32() | Vector512.Create(0x7F800000)).AsSingle(), value);
        }
    }

    /// <summary>F16 without infinities/NaNs: shift, keep sign and exponent+mantissa, re-bias by the 2^112 multiply.</summary>
    private readonly struct FiniteF16Widening : IWidening
    {
        public static float Widen(ushort bits) => HalfToSingle(bits);

        public static Vector128<float> Widen(Vector128<int> s) =>
            ((s << 13) & Vector128.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector128.Create(ExponentRebias);

        public static Vector256<float> Widen(Vector256<int> s) =>
            ((s << 13) & Vector256.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector256.Create(ExponentRebias);

        public static Vector512<float> Widen(Vector512<int> s) =>
            ((s << 13) & Vector512.Create(unchecked((int)0x8FFFE000))).AsSingle() * Vector512.Create(ExponentRebias);
    }

    /// <summary>BF16 is the upper half of a float: shift the (sign-extended) bits up by 16.</summary>
    private readonly struct Bf16Widening : IWidening
    {
        public static float Widen(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

        public static Vector128<float> Widen(Vector128<int> s) => (s << 16).AsSingle();

        public static Vector256<float> Widen(Vector256<int> s) => (s << 16).AsSingle();

        public static Vector512<float> Widen(Vector512<int> s) => (s << 16).AsSingle();
    }
}
