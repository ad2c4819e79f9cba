using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Engine.Sampling;

/// <summary>
/// exp(x) for float, written out so that every vector width and the scalar tail compute bit-identical results (the
/// runtime's Vector512.Exp is not accelerated on every machine, and MathF.Exp differs from it in the last bits; either
/// would make a seed's tokens depend on the row length or the CPU). Cephes-style: x = n ln 2 + r, a degree-6
/// polynomial for e^r, 2^n put into the exponent field. Relative error about 2e-7. Inputs below -87.3 (including
/// -infinity) give exactly 0, so masked tokens can never be drawn.
/// </summary>
internal static class ExpKernel
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float Lowest = -87.33654f;
    private const float Highest = 88.72283f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        if (!(x >= Lowest))
        {
            return x < Lowest ? 0f : float.NaN;
        }

        x = MathF.Min(x, Highest);
        float n = MathF.Round(x * Log2E);
        float r = x - (n * Ln2Hi) - (n * Ln2Lo);
        float p = (((((((((P0 * r) + P1) * r) + P2) * r) + P3) * r) + P4) * r) + P5;
        p = (p * (r * r)) + r + 1f;
        return p * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> underflow = Vector512.LessThan(x, Vector512.Create(Lowest));
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(Lowest)), Vector512.Create(Highest));
        Vector512<float> n = Vector512.Round(x * Vector512.Create(Log2E));
        Vector512<float> r = x - (n * Vector512.Create(Ln2Hi)) - (n * Vector512.Create(Ln2Lo));
        Vector512<float> p = (((((((((Vector512.Create(P0) * r) + Vector512.Create(P1)) * r) + Vector512.Create(P2)) * r)
            + Vector512.Create(P3)) * r) + Vector512.Create(P4)) * r) + Vector512.Create(P5);
        p = (p * (r * r)) + r + Vector512<float>.One;
        Vector512<int> exponent = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        Vector512<float> result = p * exponent.AsSingle();
        return Vector512.AndNot(result, underflow);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        Vector256<float> underflow = Vector256.LessThan(x, Vector256.Create(Lowest));
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(Lowest)), Vector256.Create(Highest));
        Vector256<float> n = Vector256.Round(x * Vector256.Create(Log2E));
        Vector256<float> r = x - (n * Vector256.Create(Ln2Hi)) - (n * Vector256.Create(Ln2Lo));
        Vector256<float> p = (((((((((Vector256.Create(P0) * r) + Vector256.Create(P1)) * r) + Vector256.Create(P2)) * r)
            + Vector256.Create(P3)) * r) + Vector256.Create(P4)) * r) + Vector256.Create(P5);
        p = (p * (r * r)) + r + Vector256<float>.One;
        Vector256<int> exponent = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        Vector256<float> result = p * exponent.AsSingle();
        return Vector256.AndNot(result, underflow);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        Vector128<float> underflow = Vector128.LessThan(x, Vector128.Create(Lowest));
        x = Vector128.Min(Vector128.Max(x, Vector128.Create(Lowest)), Vector128.Create(Highest));
        Vector128<float> n = Vector128.Round(x * Vector128.Create(Log2E));
        Vector128<float> r = x - (n * Vector128.Create(Ln2Hi)) - (n * Vector128.Create(Ln2Lo));
        Vector128<float> p = (((((((((Vector128.Create(P0) * r) + Vector128.Create(P1)) * r) + Vector128.Create(P2)) * r)
            + Vector128.Create(P3)) * r) + Vector128.Create(P4)) * r) + Vector128.Create(P5);
        p = (p * (r * r)) + r + Vector128<float>.One;
        Vector128<int> exponent = (Vector128.ConvertToInt32(n) + Vector128.Create(127)) << 23;
        Vector128<float> result = p * exponent.AsSingle();
        return Vector128.AndNot(result, underflow);
    }
}
