namespace LlmFramework.Abstractions.Graph;

/// <summary>
/// The op set of contract version 1. Shapes are <c>[rows, columns]</c>; "T" is the step's token count,
/// "O" its output-row count. Every backend must give the results the scalar reference gives
/// (see the conformance suite) within the tolerances documented there.
/// </summary>
public enum OpKind
{
    /// <summary>
    /// Rows of a weight table by index: inputs (table [V, D] any dtype, ids I32 [T, 1]) -> [T, D] F32.
    /// An id outside [0, V) is an error.
    /// </summary>
    GetRows = 0,

    /// <summary>
    /// Linear layer: inputs (x [R, K] F32, w [N, K] any dtype) -> y [R, N] F32 with y = x * w^T.
    /// Accumulation in F32; for quantised w a backend may quantise x per block (Q8) as ggml does.
    /// </summary>
    MatMul = 1,

    /// <summary>RMS norm over each row: inputs (x [R, D], w [1, D]) -> x / sqrt(mean(x^2) + eps) * w. Params: <see cref="RmsNormParams"/>.</summary>
    RmsNorm = 2,

    /// <summary>Element-wise sum of two tensors of the same shape.</summary>
    Add = 3,

    /// <summary>Element-wise product of two tensors of the same shape.</summary>
    Mul = 4,

    /// <summary>Element-wise x * sigmoid(x).</summary>
    Silu = 5,

    /// <summary>Fused gated unit: inputs (gate [R, F], up [R, F]) -> silu(gate) * up.</summary>
    SwiGlu = 6,

    /// <summary>Softmax over each row (numerically stable: max subtracted).</summary>
    Softmax = 7,

    /// <summary>Multiply every element by a constant. Params: <see cref="ScaleParams"/>.</summary>
    Scale = 8,

    /// <summary>
    /// Rotary position embedding applied in place of a copy: inputs (x [T, H*Dh], positions I32 [T, 1]) -> [T, H*Dh].
    /// Params: <see cref="RopeParams"/>.
    /// </summary>
    Rope = 9,

    /// <summary>
    /// Causal attention over the paged KV cache: inputs (q [T, Hq*Dk], k [T, Hkv*Dk], v [T, Hkv*Dv]) -> [T, Hq*Dv].
    /// First stores each token's k and v rows in the cache (streams 0 and 1 of the layer) at the token's position,
    /// then each token attends to positions 0..its own position of its own sequence.
    /// Query head h uses KV head h / (Hq / Hkv) (grouped-query attention). Params: <see cref="AttentionParams"/>.
    /// </summary>
    Attention = 10,

    /// <summary>Rows of x [T, D] picked by <see cref="Execution.StepBatch.OutputTokenIndices"/> -> [O, D].</summary>
    SelectOutputRows = 11,
}
