namespace LlmFramework.Abstractions.Tensors;

/// <summary>Block geometry of each <see cref="DType"/> and its ggml type id.</summary>
public static class DTypeInfo
{
    /// <summary>Number of values in one block (1 for scalar types).</summary>
    public static int BlockSize(DType type) => type switch
    {
        DType.F32 or DType.F16 or DType.BF16 or DType.I32 => 1,
        DType.Q8_0 or DType.Q4_0 => 32,
        DType.Q4_K or DType.Q6_K => 256,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown dtype"),
    };

    /// <summary>Number of bytes in one block.</summary>
    public static int BlockBytes(DType type) => type switch
    {
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 => 2,
        DType.Q8_0 => 34,
        DType.Q4_0 => 18,
        DType.Q4_K => 144,
        DType.Q6_K => 210,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown dtype"),
    };

    /// <summary>True for the block-quantised types.</summary>
    public static bool IsQuantized(DType type) => BlockSize(type) > 1;

    /// <summary>Bytes taken by a row of <paramref name="columns"/> values; throws when the row is not a whole number of blocks.</summary>
    public static long RowBytes(DType type, long columns)
    {
        int bs = BlockSize(type);
        if (columns % bs != 0)
        {
            throw new ArgumentException($"{type} needs rows that are a multiple of {bs} values; got {columns}.", nameof(columns));
        }

        return columns / bs * BlockBytes(type);
    }

    /// <summary>The ggml/GGUF type id of <paramref name="type"/>.</summary>
    public static int ToGgmlType(DType type) => type switch
    {
        DType.F32 => 0,
        DType.F16 => 1,
        DType.Q4_0 => 2,
        DType.Q8_0 => 8,
        DType.Q4_K => 12,
        DType.Q6_K => 14,
        DType.I32 => 26,
        DType.BF16 => 30,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown dtype"),
    };

    /// <summary>Maps a ggml/GGUF type id to a <see cref="DType"/>; false for types this contract version does not define.</summary>
    public static bool TryFromGgmlType(int ggmlType, out DType type)
    {
        switch (ggmlType)
        {
            case 0: type = DType.F32; return true;
            case 1: type = DType.F16; return true;
            case 2: type = DType.Q4_0; return true;
            case 8: type = DType.Q8_0; return true;
            case 12: type = DType.Q4_K; return true;
            case 14: type = DType.Q6_K; return true;
            case 26: type = DType.I32; return true;
            case 30: type = DType.BF16; return true;
            default: type = default; return false;
        }
    }

    /// <summary>Lower-case name as used on command lines and in GGUF tooling (f32, f16, bf16, q8_0, q4_0, q4_k, q6_k, i32).</summary>
    public static string Name(DType type) => type.ToString().ToLowerInvariant();

    /// <summary>Parses a name produced by <see cref="Name"/> (case-insensitive).</summary>
    public static bool TryParse(string? name, out DType type)
    {
        foreach (DType t in Enum.GetValues<DType>())
        {
            if (string.Equals(Name(t), name, StringComparison.OrdinalIgnoreCase))
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }
}
