using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>
/// Hugging Face LLaMA rotary embedding ("rotate_half": dimension i pairs with i + Dh/2): cos and sin tables of
/// [context, Dh] with angle p * theta^(-2i/Dh), the frequencies repeated for both halves.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>The (cos, sin) tables for positions 0..<paramref name="context"/>-1.</summary>
    public static (Tensor Cos, Tensor Sin) Tables(int context, int headDim, double theta)
    {
        using var scope = NewDisposeScope();
        Tensor inverse = pow(theta, arange(0, headDim, 2, dtype: ScalarType.Float64) / headDim).reciprocal();
        Tensor angles = outer(arange(context, dtype: ScalarType.Float64), inverse); // (context, Dh/2)
        Tensor doubled = cat([angles, angles], -1);                                 // (context, Dh)
        return (doubled.cos().to(ScalarType.Float32).MoveToOuterDisposeScope(), doubled.sin().to(ScalarType.Float32).MoveToOuterDisposeScope());
    }

    /// <summary>Rotates <paramref name="x"/> [B, H, T, Dh] by the tables' rows for positions 0..T-1.</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long t = x.shape[2];
        long half = x.shape[3] / 2;
        using Tensor c = cos.narrow(0, 0, t);
        using Tensor s = sin.narrow(0, 0, t);
        using Tensor first = x.narrow(-1, 0, half);
        using Tensor second = x.narrow(-1, half, half);
        using Tensor negated = second.neg();
        using Tensor rotated = cat([negated, first], -1);
        using Tensor a = x * c;
        using Tensor b = rotated * s;
        return a + b;
    }
}
