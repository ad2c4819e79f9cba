namespace LlmFramework.Formats.Gguf;

/// <summary>
/// One entry of a GGUF file's tensor table.
/// </summary>
/// <param name="Name">Tensor name.</param>
/// <param name="GgmlType">ggml type id as stored (may be a type this framework cannot compute with).</param>
/// <param name="Shape">Dimensions, OUTERMOST first (the file's ne list reversed).</param>
/// <param name="Offset">Byte offset of the data relative to the start of the data section.</param>
/// <param name="ByteLength">Bytes of data; -1 when the ggml type is unknown to this reader, so its size cannot be computed.</param>
public sealed record GgufTensorInfo(string Name, int GgmlType, long[] Shape, long Offset, long ByteLength)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} ggml type {GgmlTypeTable.Describe(GgmlType)} [{string.Join(", ", Shape)}] at +{Offset}, {ByteLength} bytes";
}
