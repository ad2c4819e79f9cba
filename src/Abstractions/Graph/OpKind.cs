namespace LlmFramework.Abstractions.Graph;

/// <summary>
/// The op set of contract version 1 (ops 0-11) and 1.2 (ops 12-18, for MLA attention and mixtures of experts). Shapes are <c>[rows, columns]</c>; "T" is the step's token count,
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

    /// <summary>
    /// Per-head linear layer (contract 1.2): inputs (x [R, H*K] F32, w [H*N, K] any dtype) -> [R, H*N], where head h
    /// multiplies its K values by rows h*N .. h*N+N-1 of w: y[r, h*N + n] = sum_k x[r, h*K + k] * w[h*N + n, k].
    /// Params: <see cref="HeadMatMulParams"/>. MLA uses it to fold W_UK into the query and to apply W_UV.
    /// </summary>
    HeadMatMul = 12,

    /// <summary>
    /// Per-head column slice (contract 1.2): x [R, H*W] -> [R, H*Width], y[r, h*Width + j] = x[r, h*W + Offset + j]
    /// with W = columns / H. Params: <see cref="ColumnSliceParams"/>.
    /// </summary>
    SliceColumns = 13,

    /// <summary>
    /// Per-head column concatenation (contract 1.2): inputs (a [R, H*A], b [R, H*B]) -> [R, H*(A+B)], each head's A
    /// values of a followed by its B values of b. Params: <see cref="ConcatColumnsParams"/>.
    /// </summary>
    ConcatColumns = 14,

    /// <summary>
    /// Causal attention in a compressed latent space (MLA, absorbed form; contract 1.2): inputs (q [T, H*(C+Rd)],
    /// c [T, C], kr [T, Rd]) -> [T, H*C]. First stores each token's latent c (stream 0) and shared rope key kr
    /// (stream 1) in the cache at the token's position; then head h of token t scores cached position j as
    /// Scale * (q_h[0..C) . c_j + q_h[C..C+Rd) . kr_j) for j in 0..its own position of its own sequence, and its
    /// output is the softmax-weighted sum of the latents c_j. Params: <see cref="LatentAttentionParams"/>.
    /// </summary>
    LatentAttention = 15,

    /// <summary>
    /// Mixture-of-experts routing (contract 1.2): inputs (logits [T, E], bias [1, E]) -> routes [T, 2*S], S = experts
    /// per token. The second input is optional (a node with one input has no bias). Scores s are the softmax or
    /// sigmoid of the logits; the choice uses b = s + bias; with G groups each group is scored by the sum of its two
    /// largest b (its one b when a group holds a single expert), the best GroupsUsed groups are kept (ties to the
    /// lower group) and the S largest b among them are chosen (ties to the lower
    /// id), best first. Columns 0..S-1 of a route row hold the chosen expert ids (exact integers stored as F32),
    /// columns S..2S-1 their weights: the unbiased s, divided by their sum when normalised, times the weight scale.
    /// The softmax runs over all E experts, before any group is dropped (as DeepSeek-V2 and llama.cpp's deepseek2 do).
    /// Params: <see cref="MoeRouteParams"/>.
    /// </summary>
    MoeRoute = 16,

    /// <summary>
    /// Per-token expert linear layer (contract 1.2): inputs (x [T, K] or [T, S*K], routes [T, 2*S] from
    /// <see cref="MoeRoute"/>, w [E*N, K] any dtype: E experts of N rows each) -> [T, S*N]. Slot s of token t
    /// multiplies x's row t (or its slot s when x has S*K columns) by the rows of expert e = routes[t, s]:
    /// y[t, s*N + n] = sum_k xs[k] * w[e*N + n, k], xs being x[t, 0..K) or x[t, s*K..s*K+K). Backends group the tokens of each expert into one
    /// matmul. A route id of -1 (contract 1.3) marks a slot computed elsewhere (on another device, see docs/moe.md): its
    /// output y[t, s*N .. s*N + N) is left as it was. Any other route id that is not an integer in [0, E) is an error.
    /// <see cref="MoeRoute"/> never writes -1, and <see cref="MoeCombine"/> always reads the full routes.
    /// Params: <see cref="ExpertMatMulParams"/>.
    /// </summary>
    ExpertMatMul = 17,

    /// <summary>
    /// Weighted sum of expert outputs (contract 1.2): inputs (y [T, S*D], routes [T, 2*S]) -> [T, D] with
    /// out[t] = sum_s routes[t, S + s] * y[t, s*D .. s*D + D). Params: <see cref="MoeCombineParams"/>.
    /// </summary>
    MoeCombine = 18,
}
