namespace LlmFramework.Formats.Gguf;

/// <summary>Block geometry of every ggml type id (not only the ones <c>DType</c> defines), so files can be validated.</summary>
internal static class GgmlTypeTable
{
    /// <summary>Block size, bytes per block and lower-case name of ggml type <paramref name="ggmlType"/>; false for ids ggml does not define (or no longer does).</summary>
    public static bool TryGet(int ggmlType, out int blockSize, out int blockBytes, out string name)
    {
        (blockSize, blockBytes, name) = ggmlType switch
        {
            0 => (1, 4, "f32"),
            1 => (1, 2, "f16"),
            2 => (32, 18, "q4_0"),
            3 => (32, 20, "q4_1"),
            6 => (32, 22, "q5_0"),
            7 => (32, 24, "q5_1"),
            8 => (32, 34, "q8_0"),
            9 => (32, 36, "q8_1"),
            10 => (256, 84, "q2_k"),
            11 => (256, 110, "q3_k"),
            12 => (256, 144, "q4_k"),
            13 => (256, 176, "q5_k"),
            14 => (256, 210, "q6_k"),
            15 => (256, 292, "q8_k"),
            16 => (256, 66, "iq2_xxs"),
            17 => (256, 74, "iq2_xs"),
            18 => (256, 98, "iq3_xxs"),
            19 => (256, 50, "iq1_s"),
            20 => (32, 18, "iq4_nl"),
            21 => (256, 110, "iq3_s"),
            22 => (256, 82, "iq2_s"),
            23 => (256, 136, "iq4_xs"),
            24 => (1, 1, "i8"),
            25 => (1, 2, "i16"),
            26 => (1, 4, "i32"),
            27 => (1, 8, "i64"),
            28 => (1, 8, "f64"),
            29 => (256, 56, "iq1_m"),
            30 => (1, 2, "bf16"),
            34 => (256, 54, "tq1_0"),
            35 => (256, 66, "tq2_0"),
            39 => (32, 17, "mxfp4"),
            _ => (0, 0, string.Empty),
        };
        return blockSize != 0;
    }

    /// <summary>"13 (q5_k)" or "99 (unknown)" for messages.</summary>
    public static string Describe(int ggmlType) =>
        TryGet(ggmlType, out _, out _, out string name) ? $"{ggmlType} ({name})" : $"{ggmlType} (unknown)";
}
