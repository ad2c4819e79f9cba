namespace LlmFramework.Abstractions.Tensors;

/// <summary>
/// A named weight tensor whose bytes live in memory owned by someone else (usually a memory-mapped
/// checkpoint file). Shape is row-major: the last dimension is contiguous. A 2-D weight
/// <c>[rows, columns]</c> stores <c>rows</c> rows of <see cref="DTypeInfo.RowBytes"/> bytes each.
/// </summary>
/// <remarks>
/// The pointer stays valid for as long as the model that produced the tensor is not disposed.
/// GGUF lists dimensions innermost first; readers reverse them so <see cref="Shape"/> is always outermost first.
/// </remarks>
public sealed unsafe class WeightTensor
{
    /// <summary>Creates a view of <paramref name="byteLength"/> bytes at <paramref name="data"/>.</summary>
    public WeightTensor(string name, DType type, long[] shape, byte* data, long byteLength)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        long columns = shape.Length == 0 ? 1 : shape[^1];
        long rows = 1;
        for (int i = 0; i < shape.Length - 1; i++)
        {
            rows *= shape[i];
        }

        long expected = rows * DTypeInfo.RowBytes(type, columns);
        if (expected != byteLength)
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {type} needs {expected} bytes but {byteLength} were given");
        }

        Name = name;
        Type = type;
        Shape = shape;
        Data = data;
        ByteLength = byteLength;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Tensor name as in the checkpoint.</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public DType Type { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Product of all but the last dimension (1 for vectors).</summary>
    public long Rows { get; }

    /// <summary>The last (contiguous) dimension.</summary>
    public long Columns { get; }

    /// <summary>Start of the tensor's bytes.</summary>
    public byte* Data { get; }

    /// <summary>Total bytes.</summary>
    public long ByteLength { get; }

    /// <summary>Bytes per row.</summary>
    public long RowBytes => DTypeInfo.RowBytes(Type, Columns);

    /// <summary>The bytes of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<byte> Row(long row)
    {
        if ((ulong)row >= (ulong)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"tensor '{Name}' has {Rows} rows");
        }

        long rb = RowBytes;
        return new ReadOnlySpan<byte>(Data + (row * rb), checked((int)rb));
    }

    /// <summary>All bytes (throws for tensors over 2 GiB; use <see cref="Data"/> there).</summary>
    public ReadOnlySpan<byte> Bytes => new(Data, checked((int)ByteLength));

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Type} [{string.Join(", ", Shape)}]";
}
