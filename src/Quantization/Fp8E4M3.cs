namespace LlmFramework.Quantization;

/// <summary>
/// FP8 E4M3 (the "FN" variant used by DeepSeek-V3's weights, safetensors dtype F8_E4M3): 1 sign bit, 4 exponent bits
/// with bias 7, 3 mantissa bits; no infinities; S.1111.111 is NaN, so the largest magnitude is 448; exponent 0 holds
/// subnormals m/8 · 2^-6. DeepSeek stores one float per 128x128 block of a weight matrix (<c>weight_scale_inv</c>);
/// the real weight is the FP8 value times its block's scale.
/// </summary>
public static class Fp8E4M3
{
    /// <summary>The side of DeepSeek's square scale blocks.</summary>
    public const int DefaultBlockSize = 128;

    private static readonly float[] Values = BuildTable();

    /// <summary>The value of one FP8 E4M3 code.</summary>
    public static float ToSingle(byte code) => Values[code];

    /// <summary>
    /// Writes <paramref name="rows"/> x <paramref name="columns"/> floats (row-major) from FP8 codes, each times the scale
    /// of its <paramref name="blockSize"/> x <paramref name="blockSize"/> block: <paramref name="scales"/> is row-major
    /// [ceil(rows / blockSize), ceil(columns / blockSize)] (edge blocks may be partial).
    /// </summary>
    public static void DequantizeBlockScaled(ReadOnlySpan<byte> codes, int rows, int columns, ReadOnlySpan<float> scales, Span<float> destination, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        long count = (long)rows * columns;
        int blockRows = (rows + blockSize - 1) / blockSize;
        int blockColumns = (columns + blockSize - 1) / blockSize;
        if (codes.Length != count || destination.Length < count)
        {
            throw new ArgumentException($"a {rows}x{columns} FP8 matrix needs {count} codes and as many outputs; got {codes.Length} and {destination.Length}");
        }

        if (scales.Length != (long)blockRows * blockColumns)
        {
            throw new ArgumentException($"a {rows}x{columns} matrix in {blockSize}x{blockSize} blocks needs {blockRows}x{blockColumns} = {(long)blockRows * blockColumns} scales (weight_scale_inv), got {scales.Length}");
        }

        float[] table = Values;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<byte> row = codes.Slice(r * columns, columns);
            Span<float> output = destination.Slice(r * columns, columns);
            ReadOnlySpan<float> rowScales = scales.Slice(r / blockSize * blockColumns, blockColumns);
            for (int c = 0; c < columns; c++)
            {
                output[c] = table[row[c]] * rowScales[c / blockSize];
            }
        }
    }

    private static float[] BuildTable()
    {
        var table = new float[256];
        for (int code = 0; code < 256; code++)
        {
            int exponent = (code >> 3) & 0xF;
            int mantissa = code & 0x7;
            float sign = (code & 0x80) != 0 ? -1f : 1f;
            table[code] = exponent == 0xF && mantissa == 0x7
                ? float.NaN
                : exponent == 0
                    ? sign * mantissa / 8f * MathF.ScaleB(1f, -6)
                    : sign * (1f + (mantissa / 8f)) * MathF.ScaleB(1f, exponent - 7);
        }

        return table;
    }
}
