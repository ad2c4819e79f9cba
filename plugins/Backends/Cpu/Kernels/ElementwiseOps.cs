using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LlmFramework.Backends.Cpu.Kernels;

/// <summary>An element-wise binary operation at every vector width (TensorPrimitives-style operator struct).</summary>
internal interface IBinaryOp
{
    static abstract float Invoke(float a, float b);

    static abstract Vector128<float> Invoke(Vector128<float> a, Vector128<float> b);

    static abstract Vector256<float> Invoke(Vector256<float> a, Vector256<float> b);

    static abstract Vector512<float> Invoke(Vector512<float> a, Vector512<float> b);
}

/// <summary>a + b.</summary>
internal readonly struct AddOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a + b;

    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a + b;

    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a + b;

    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a + b;
}

/// <summary>a * b.</summary>
internal readonly struct MultiplyOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a * b;

    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a * b;

    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a * b;

    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a * b;
}

/// <summary>silu(gate) * up = gate / (1 + exp(-gate)) * up.</summary>
internal readonly struct SwiGluOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a / (1f + MathF.Exp(-a)) * b;

    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a / (Vector128<float>.One + VectorExp.Exp(-a)) * b;

    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a / (Vector256<float>.One + VectorExp.Exp(-a)) * b;

    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a / (Vector512<float>.One + VectorExp.Exp(-a)) * b;
}

/// <summary>silu(a) = a / (1 + exp(-a)); b is ignored.</summary>
internal readonly struct SiluOp : IBinaryOp
{
    public static float Invoke(float a, float b) => a / (1f + MathF.Exp(-a));

    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => a / (Vector128<float>.One + VectorExp.Exp(-a));

    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => a / (Vector256<float>.One + VectorExp.Exp(-a));

    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => a / (Vector512<float>.One + VectorExp.Exp(-a));
}

/// <summary>sigmoid(a) = 1 / (1 + exp(-a)); b is ignored.</summary>
internal readonly struct SigmoidOp : IBinaryOp
{
    public static float Invoke(float a, float b) => 1f / (1f + MathF.Exp(-a));

    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => Vector128<float>.One / (Vector128<float>.One + VectorExp.Exp(-a));

    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => Vector256<float>.One / (Vector256<float>.One + VectorExp.Exp(-a));

    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => Vector512<float>.One / (Vector512<float>.One + VectorExp.Exp(-a));
}

/// <summary>exp(a - b) (b is a broadcast max in softmax).</summary>
internal readonly struct ExpSubtractOp : IBinaryOp
{
    public static float Invoke(float a, float b) => MathF.Exp(a - b);

    public static Vector128<float> Invoke(Vector128<float> a, Vector128<float> b) => VectorExp.Exp(a - b);

    public static Vector256<float> Invoke(Vector256<float> a, Vector256<float> b) => VectorExp.Exp(a - b);

    public static Vector512<float> Invoke(Vector512<float> a, Vector512<float> b) => VectorExp.Exp(a - b);
}

/// <summary>
/// The loop driver of the element-wise ops: picks the widest accelerated width, walks the spans with
/// <c>ref</c> + <c>Unsafe.Add</c> and finishes the tail with one overlapping vector or scalars.
/// </summary>
internal static class ElementwiseOps
{
    /// <summary>y[i] = op(a[i], b[i]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Binary<TOp>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
        where TOp : struct, IBinaryOp
    {
        int n = y.Length;
        if (a.Length < n || b.Length < n)
        {
            throw new ArgumentException($"element-wise op: inputs of {a.Length} and {b.Length} values do not cover {n} outputs");
        }

        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOp.Invoke(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                TOp.Invoke(Vector128.LoadUnsafe(ref ra, (nuint)i), Vector128.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) = TOp.Invoke(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i));
        }
    }

    /// <summary>y[i] = op(a[i], scalar).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WithScalar<TOp>(ReadOnlySpan<float> a, float scalar, Span<float> y)
        where TOp : struct, IBinaryOp
    {
        int n = y.Length;
        if (a.Length < n)
        {
            throw new ArgumentException($"element-wise op: input of {a.Length} values does not cover {n} outputs");
        }

        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            var s = Vector512.Create(scalar);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOp.Invoke(Vector512.LoadUnsafe(ref ra, (nuint)i), s).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<float>.Count)
        {
            var s = Vector256.Create(scalar);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref ra, (nuint)i), s).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            var s = Vector128.Create(scalar);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                TOp.Invoke(Vector128.LoadUnsafe(ref ra, (nuint)i), s).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) = TOp.Invoke(Unsafe.Add(ref ra, i), scalar);
        }
    }
}
