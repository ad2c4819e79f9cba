namespace LlmFramework.Abstractions.Tensors;

/// <summary>
/// Element types of weights and activations. Block-quantised types store a row as consecutive blocks
/// (see <see cref="DTypeInfo"/> for the block geometry); their layouts are exactly the GGUF/ggml ones,
/// so GGUF tensors are used in place without conversion.
/// </summary>
public enum DType
{
    /// <summary>IEEE 754 binary32.</summary>
    F32 = 0,
    /// <summary>IEEE 754 binary16.</summary>
    F16 = 1,
    /// <summary>bfloat16 (upper half of a binary32).</summary>
    BF16 = 2,
    /// <summary>ggml Q8_0: blocks of 32 values, one F16 scale + 32 signed bytes (34 bytes).</summary>
    Q8_0 = 3,
    /// <summary>ggml Q4_0: blocks of 32 values, one F16 scale + 16 bytes of 4-bit values offset by 8 (18 bytes).</summary>
    Q4_0 = 4,
    /// <summary>ggml Q4_K: super-blocks of 256 values, F16 d and dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles (144 bytes).</summary>
    Q4_K = 5,
    /// <summary>ggml Q6_K: super-blocks of 256 values, 128 bytes low nibbles, 64 bytes high bits, 16 int8 scales, F16 d (210 bytes).</summary>
    Q6_K = 6,
    /// <summary>32-bit signed integer (token ids, positions).</summary>
    I32 = 7,
}
