using System.Runtime.InteropServices;
using System.Text;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats.Gguf;

/// <summary>
/// Builds a GGUF v3 file: header, metadata in insertion order, tensor infos (ne innermost first), padding, then each
/// tensor's data at the next multiple of the alignment. general.alignment is written only when it is not 32.
/// </summary>
public sealed class GgufWriter
{
    /// <summary>ggml's limit on tensor name length (GGML_MAX_NAME, including the terminator).</summary>
    public const int MaxTensorNameBytes = 63;

    private readonly List<KeyValuePair<string, GgufValue>> _metadata = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _tensorNames = new(StringComparer.Ordinal);

    /// <summary>Creates a writer whose tensor data is aligned to <paramref name="alignment"/> bytes (a power of two).</summary>
    public GgufWriter(int alignment = GgufParser.DefaultAlignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "GGUF alignment must be a positive power of two");
        }

        Alignment = alignment;
    }

    /// <summary>The tensor data alignment.</summary>
    public int Alignment { get; }

    /// <summary>Adds a UTF-8 string.</summary>
    public void AddString(string key, string value) => Add(key, GgufValue.FromScalar(GgufValueType.String, value));

    /// <summary>Adds a uint32.</summary>
    public void AddUInt32(string key, uint value) => Add(key, GgufValue.FromScalar(GgufValueType.UInt32, value));

    /// <summary>Adds an int32.</summary>
    public void AddInt32(string key, int value) => Add(key, GgufValue.FromScalar(GgufValueType.Int32, value));

    /// <summary>Adds a uint64.</summary>
    public void AddUInt64(string key, ulong value) => Add(key, GgufValue.FromScalar(GgufValueType.UInt64, value));

    /// <summary>Adds a float32.</summary>
    public void AddFloat32(string key, float value) => Add(key, GgufValue.FromScalar(GgufValueType.Float32, value));

    /// <summary>Adds a bool.</summary>
    public void AddBool(string key, bool value) => Add(key, GgufValue.FromScalar(GgufValueType.Bool, value));

    /// <summary>Adds an array of strings.</summary>
    public void AddStringArray(string key, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Add(key, GgufValue.FromArray(GgufValueType.String, values.ToArray()));
    }

    /// <summary>Adds an array of float32.</summary>
    public void AddFloat32Array(string key, float[] values) => Add(key, GgufValue.FromArray(GgufValueType.Float32, (float[])values.Clone()));

    /// <summary>Adds an array of int32.</summary>
    public void AddInt32Array(string key, int[] values) => Add(key, GgufValue.FromArray(GgufValueType.Int32, (int[])values.Clone()));

    /// <summary>Adds any value, including the types without a dedicated method (uint8, int16, float64, nested arrays...).</summary>
    public void Add(string key, GgufValue value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        if (key == "general.alignment")
        {
            throw new ArgumentException("general.alignment is written from the constructor's alignment argument", nameof(key));
        }

        if (!_keys.Add(key))
        {
            throw new ArgumentException($"metadata key '{key}' was already added", nameof(key));
        }

        _metadata.Add(new(key, value));
    }

    /// <summary>
    /// Adds a tensor of <paramref name="type"/> with <paramref name="shape"/> (outermost first, 1 to 4 positive dims);
    /// <paramref name="data"/> must be exactly rows x row bytes long. The data is not copied until <see cref="WriteTo"/>.
    /// </summary>
    public void AddTensor(string name, DType type, long[] shape, ReadOnlyMemory<byte> data) =>
        AddTensor(name, DTypeInfo.ToGgmlType(type), shape, data);

    /// <summary>Adds a tensor by raw ggml type id (any type ggml defines, e.g. 13 for q5_k), with the same checks.</summary>
    public void AddTensor(string name, int ggmlType, long[] shape, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
        {
            throw new ArgumentException($"tensor name '{name}' is longer than ggml's {MaxTensorNameBytes}-byte limit", nameof(name));
        }

        if (!GgmlTypeTable.TryGet(ggmlType, out int blockSize, out int blockBytes, out string typeName))
        {
            throw new ArgumentOutOfRangeException(nameof(ggmlType), ggmlType, "unknown ggml type");
        }

        if (shape.Length is 0 or > GgufParser.MaxDimensions || shape.Any(d => d <= 0))
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] must have 1 to {GgufParser.MaxDimensions} positive dimensions", nameof(shape));
        }

        long columns = shape[^1];
        if (columns % blockSize != 0)
        {
            throw new ArgumentException($"tensor '{name}': {typeName} rows must be a multiple of {blockSize} values, got {columns}", nameof(shape));
        }

        long rows = shape.Aggregate(1L, (a, d) => checked(a * d)) / columns;
        long expected = checked(rows * (columns / blockSize * blockBytes));
        if (data.Length != expected)
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {typeName} needs {expected} bytes, got {data.Length}", nameof(data));
        }

        if (!_tensorNames.Add(name))
        {
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        }

        _tensors.Add(new PendingTensor(name, ggmlType, (long[])shape.Clone(), data));
    }

    /// <summary>
    /// Writes the file as <paramref name="path"/>.tmp, then renames it over <paramref name="path"/> (creating the folder),
    /// so a reader never sees a half-written file.
    /// </summary>
    public void WriteToAtomically(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        string temporary = path + ".tmp";
        WriteTo(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes the file, replacing any existing one.</summary>
    public void WriteTo(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!BitConverter.IsLittleEndian)
        {
            throw new NotSupportedException("GGUF writing needs a little-endian machine.");
        }

        List<KeyValuePair<string, GgufValue>> metadata = [.. _metadata];
        if (Alignment != GgufParser.DefaultAlignment)
        {
            metadata.Add(new("general.alignment", GgufValue.FromScalar(GgufValueType.UInt32, (uint)Alignment)));
        }

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (KeyValuePair<string, GgufValue> kv in metadata)
        {
            WriteString(w, kv.Key);
            w.Write((uint)kv.Value.Type);
            WriteValue(w, kv.Value);
        }

        long offset = 0;
        foreach (PendingTensor t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Shape.Length);
            for (int d = t.Shape.Length - 1; d >= 0; d--)
            {
                w.Write((ulong)t.Shape[d]); // ne: innermost first
            }

            w.Write((uint)t.GgmlType);
            w.Write((ulong)offset);
            offset = GgufParser.AlignUp(offset + t.Data.Length, Alignment);
        }

        w.Flush();
        Pad(stream);
        foreach (PendingTensor t in _tensors)
        {
            stream.Write(t.Data.Span);
            Pad(stream);
        }
    }

    private void Pad(FileStream stream)
    {
        long padding = GgufParser.AlignUp(stream.Position, Alignment) - stream.Position;
        for (long i = 0; i < padding; i++)
        {
            stream.WriteByte(0);
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValue value)
    {
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(w, value.Value);
            return;
        }

        var elements = (Array)value.Value;
        w.Write((uint)value.ElementType);
        w.Write((ulong)elements.Length);
        if (GgufValue.ScalarSize(value.ElementType) != 0 && value.ElementType != GgufValueType.Bool)
        {
            // Fixed-size numbers: the array's memory is already the little-endian file layout.
            w.Write(MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(elements), Buffer.ByteLength(elements)));
            return;
        }

        foreach (object? element in elements)
        {
            if (element is GgufValue inner)
            {
                WriteValue(w, inner); // arrays of arrays: each element is type + count + values, without a tag of its own
            }
            else
            {
                WriteScalar(w, element!);
            }
        }
    }

    private static void WriteScalar(BinaryWriter w, object value)
    {
        switch (value)
        {
            case byte v: w.Write(v); break;
            case sbyte v: w.Write(v); break;
            case ushort v: w.Write(v); break;
            case short v: w.Write(v); break;
            case uint v: w.Write(v); break;
            case int v: w.Write(v); break;
            case float v: w.Write(v); break;
            case bool v: w.Write((byte)(v ? 1 : 0)); break;
            case string v: WriteString(w, v); break;
            case ulong v: w.Write(v); break;
            case long v: w.Write(v); break;
            case double v: w.Write(v); break;
            default: throw new InvalidOperationException($"cannot write a {value.GetType().Name} as a GGUF value");
        }
    }

    private sealed record PendingTensor(string Name, int GgmlType, long[] Shape, ReadOnlyMemory<byte> Data);
}
