using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>
/// exp(x) for float vectors (the .NET 10 Vector*.Exp for float measured slower than scalar MathF.Exp here).
/// Range reduction x = n·ln2 + r (ln2 split in two for accuracy), e^r by the Cephes expf polynomial, 2^n built in
/// the exponent bits. Relative error about 2 ulp. Inputs are clamped to [-87, 88] so 2^n stays a normal float:
/// below -87 the result is e^-87 ≈ 1.6e-38 instead of smaller (negligible next to the 1 in softmax sums and
/// silu's 1 + e^-x); above 88 it is e^88 (only silu of inputs below -88 reaches it, where silu is -0 to 1e-36).
/// </summary>
internal static class VectorExp
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500E-4f, P1 = 1.3981999507E-3f, P2 = 8.3334519073E-3f, P3 = 4.1665795894E-2f, P4 = 1.6666665459E-1f, P5 = 5.0000001201E-1f;
    private const float Low = -87f, High = 88f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(Low)), Vector512.Create(High));
        Vector512<float> n = Vector512.Round(x * Vector512.Create(Log2E));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        Vector512<int> scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return p * scale.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(Low)), Vector256.Create(High));
        Vector256<float> n = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        Vector256<int> scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return p * scale.AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(Low)), Vector128.Create(High));
        Vector128<float> n = Vector128.Round(x * Vector128.Create(Log2E));
        Vector128<float> r = x - (n * Vector128.Create(Ln2Hi));
        r -= n * Vector128.Create(Ln2Lo);
        Vector128<float> p = (Vector128.Create(P0) * r) + Vector128.Create(P1);
        p = (p * r) + Vector128.Create(P2);
        p = (p * r) + Vector128.Create(P3);
        p = (p * r) + Vector128.Create(P4);
        p = (p * r) + Vector128.Create(P5);
        p = (p * (r * r)) + r + Vector128<float>.One;
        Vector128<int> scale = (Vector128.ConvertToInt32(n) + Vector128.Create(127)) << 23;
        return p * scale.AsSingle();
    }
}
