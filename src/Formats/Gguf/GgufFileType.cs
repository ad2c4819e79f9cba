using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats.Gguf;

/// <summary>llama.cpp's <c>general.file_type</c> values (enum llama_ftype), for the GGUF files we write.</summary>
public static class GgufFileType
{
    /// <summary>The llama_ftype of a file whose matrices are mostly <paramref name="type"/>.</summary>
    /// <exception cref="NotSupportedException"><paramref name="type"/> is not a weight type llama.cpp names a file type for.</exception>
    public static uint Of(DType type) => type switch
    {
        DType.F32 => 0,   // ALL_F32
        DType.F16 => 1,   // MOSTLY_F16
        DType.Q4_0 => 2,  // MOSTLY_Q4_0
        DType.Q8_0 => 7,  // MOSTLY_Q8_0
        DType.Q4_K => 14, // MOSTLY_Q4_K_S
        DType.Q6_K => 18, // MOSTLY_Q6_K
        DType.BF16 => 32, // MOSTLY_BF16
        _ => throw new NotSupportedException($"no llama.cpp file type for {type}"),
    };
}
