namespace LlmFramework.Formats.Safetensors;

/// <summary>One tensor of a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">dtype string exactly as in the file ("F32", "F16", "BF16", "I32", "F8_E4M3", ...).</param>
/// <param name="Shape">Dimensions, outermost first (empty for a scalar).</param>
/// <param name="Begin">Start of the data relative to the data section (after the header).</param>
/// <param name="End">End (exclusive) of the data relative to the data section.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Bytes of data.</summary>
    public long ByteLength => End - Begin;

    /// <inheritdoc />
    public override string ToString() => $"{Name} {DType} [{string.Join(", ", Shape)}] at [{Begin}, {End})";
}
