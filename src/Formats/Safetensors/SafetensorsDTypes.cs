using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats.Safetensors;

/// <summary>The dtype strings of the safetensors format and how they map to <see cref="DType"/>.</summary>
internal static class SafetensorsDTypes
{
    /// <summary>Bits per element of every dtype the format defines; 0 for an unknown string.</summary>
    public static int Bits(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 8,
        "F4" => 4,
        "F6_E2M3" or "F6_E3M2" => 6,
        "I16" or "U16" or "F16" or "BF16" => 16,
        "I32" or "U32" or "F32" => 32,
        "I64" or "U64" or "F64" or "C64" => 64,
        _ => 0,
    };

    /// <summary>The <see cref="DType"/> a tensor of <paramref name="dtype"/> is used as; false for dtypes without one.</summary>
    public static bool TryToDType(string dtype, out DType type)
    {
        (bool ok, type) = dtype switch
        {
            "F32" => (true, DType.F32),
            "F16" => (true, DType.F16),
            "BF16" => (true, DType.BF16),
            "I32" => (true, DType.I32),
            _ => (false, default),
        };
        return ok;
    }

    /// <summary>The dtype string written for <paramref name="type"/>; throws for block-quantised types safetensors cannot hold.</summary>
    public static string FromDType(DType type) => type switch
    {
        DType.F32 => "F32",
        DType.F16 => "F16",
        DType.BF16 => "BF16",
        DType.I32 => "I32",
        _ => throw new NotSupportedException($"safetensors has no dtype for the block-quantised {type}; use GGUF for quantised weights"),
    };
}
