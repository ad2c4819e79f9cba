namespace LlmFramework.Abstractions.Graph;

/// <summary>Base type of op parameters; each op kind that takes parameters has its own record.</summary>
public abstract record OpParams;

/// <summary>Parameters of <see cref="OpKind.RmsNorm"/>.</summary>
/// <param name="Epsilon">Added to the mean square before the square root.</param>
public sealed record RmsNormParams(float Epsilon) : OpParams;

/// <summary>Parameters of <see cref="OpKind.Scale"/>.</summary>
/// <param name="Factor">The multiplier.</param>
public sealed record ScaleParams(float Factor) : OpParams;

/// <summary>How rotary dimensions are paired.</summary>
public enum RopeStyle
{
    /// <summary>Adjacent pairs (x[2i], x[2i+1]): GGUF LLaMA, GPT-J.</summary>
    Interleaved = 0,
    /// <summary>Halves (x[i], x[i + d/2]): Hugging Face "rotate_half", GPT-NeoX.</summary>
    NeoX = 1,
}

/// <summary>
/// Parameters of <see cref="OpKind.Rope"/>. The model family computes the inverse frequencies, including any
/// scaling scheme (linear, llama3, YaRN), so backends need not know about scaling: for pair i at position p
/// the angle is <c>p * InverseFrequencies[i]</c>, and cos/sin are multiplied by <see cref="AttentionFactor"/>.
/// </summary>
/// <param name="HeadCount">Heads in the input row.</param>
/// <param name="HeadDim">Values per head.</param>
/// <param name="RotaryDim">Leading values of each head that are rotated (even, at most HeadDim); the rest pass through.</param>
/// <param name="Style">Pairing of rotated values.</param>
/// <param name="InverseFrequencies">RotaryDim / 2 inverse frequencies.</param>
/// <param name="AttentionFactor">Multiplier of cos and sin (YaRN mscale; 1 otherwise).</param>
public sealed record RopeParams(int HeadCount, int HeadDim, int RotaryDim, RopeStyle Style, float[] InverseFrequencies, float AttentionFactor = 1f) : OpParams;

/// <summary>Parameters of <see cref="OpKind.Attention"/>.</summary>
/// <param name="Layer">Layer index in the KV cache.</param>
/// <param name="HeadCount">Query heads (Hq).</param>
/// <param name="KvHeadCount">Key/value heads (Hkv); divides Hq.</param>
/// <param name="KeyDim">Values per query/key head (Dk).</param>
/// <param name="ValueDim">Values per value head (Dv).</param>
/// <param name="Scale">Multiplier of q.k before the softmax (usually 1/sqrt(Dk)).</param>
public sealed record AttentionParams(int Layer, int HeadCount, int KvHeadCount, int KeyDim, int ValueDim, float Scale) : OpParams;
