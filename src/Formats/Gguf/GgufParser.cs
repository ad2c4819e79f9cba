namespace LlmFramework.Formats.Gguf;

/// <summary>Reads and validates the header, metadata and tensor table of a mapped GGUF file.</summary>
internal static unsafe class GgufParser
{
    public const int DefaultAlignment = 32;
    public const int MaxDimensions = 4;
    private const int MaxArrayNesting = 8;

    // Smallest possible encodings, used to refuse counts the remaining bytes could not hold before looping on them.
    private const int MinKvBytes = 8 + 4 + 1;              // empty key, type, one-byte value
    private const int MinTensorInfoBytes = 8 + 4 + 8 + 4 + 8; // empty name, n_dims, one ne, type, offset

    public sealed record Result(
        uint Version,
        Dictionary<string, GgufValue> Metadata,
        List<GgufTensorInfo> Tensors,
        int Alignment,
        long DataOffset);

    public static Result Parse(byte* start, long length, string path)
    {
        var c = new GgufCursor(start, length, path);
        if (length < 4 + 4 + 8 + 8)
        {
            throw c.Fail($"file is {length} bytes, shorter than the 24-byte GGUF header");
        }

        if (c.ReadUInt32("magic") != 0x46554747u)
        {
            throw c.Fail("bad magic: the file does not start with 'GGUF', so it is not a GGUF file");
        }

        uint version = c.ReadUInt32("version");
        if (version is not (2 or 3))
        {
            string hint = version == 1 ? " (GGUF v1 uses 32-bit counts; convert it with a current llama.cpp)"
                : (version & 0xFFFF) == 0 && (version >> 24) is 2 or 3 ? " (this looks like a big-endian GGUF, which is not supported)"
                : string.Empty;
            throw c.Fail($"unsupported GGUF version {version}; only versions 2 and 3 can be read{hint}");
        }

        ulong tensorCount = c.ReadUInt64("tensor count");
        ulong kvCount = c.ReadUInt64("metadata count");
        ulong rest = (ulong)c.Remaining;
        if (kvCount > rest / MinKvBytes)
        {
            throw c.Fail($"absurd metadata count {kvCount}: the remaining {rest} bytes cannot hold that many key/value pairs");
        }

        if (tensorCount > rest / MinTensorInfoBytes || (kvCount * MinKvBytes) + (tensorCount * MinTensorInfoBytes) > rest)
        {
            throw c.Fail($"absurd tensor count {tensorCount}: the remaining {rest} bytes cannot hold that many tensor infos (with {kvCount} metadata pairs)");
        }

        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        for (ulong i = 0; i < kvCount; i++)
        {
            long at = c.Position;
            string key = c.ReadString($"metadata key #{i}");
            GgufValueType type = ReadType(ref c, $"type of metadata '{key}'");
            GgufValue value = ReadValue(ref c, type, key, 0);
            if (!metadata.TryAdd(key, value))
            {
                throw c.Fail($"duplicate metadata key '{key}' (second copy at offset {at})");
            }
        }

        int alignment = ReadAlignment(ref c, metadata);
        var tensors = new List<GgufTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            GgufTensorInfo info = ReadTensorInfo(ref c, i);
            if (!names.Add(info.Name))
            {
                throw c.Fail($"duplicate tensor name '{info.Name}'");
            }

            tensors.Add(info);
        }

        long dataOffset = AlignUp(c.Position, alignment);
        long dataLength = Math.Max(0, length - dataOffset);
        CheckTensorPlacement(ref c, tensors, alignment, dataLength, length);
        return new Result(version, metadata, tensors, alignment, dataOffset);
    }

    public static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    private static GgufValueType ReadType(ref GgufCursor c, string what)
    {
        long at = c.Position;
        uint raw = c.ReadUInt32(what);
        if (raw > (uint)GgufValueType.Float64)
        {
            throw c.Fail($"unknown value type {raw} for {what} at offset {at}");
        }

        return (GgufValueType)raw;
    }

    private static GgufValue ReadValue(ref GgufCursor c, GgufValueType type, string key, int depth)
    {
        if (type == GgufValueType.Array)
        {
            Array elements = ReadArray(ref c, key, depth, out GgufValueType elementType);
            return GgufValue.Trusted(GgufValueType.Array, elementType, elements);
        }

        string what = $"value of metadata '{key}'";
        object value = type switch
        {
            GgufValueType.UInt8 => c.Read<byte>(what),
            GgufValueType.Int8 => c.Read<sbyte>(what),
            GgufValueType.UInt16 => c.Read<ushort>(what),
            GgufValueType.Int16 => c.Read<short>(what),
            GgufValueType.UInt32 => c.Read<uint>(what),
            GgufValueType.Int32 => c.Read<int>(what),
            GgufValueType.Float32 => c.Read<float>(what),
            GgufValueType.Bool => c.Read<byte>(what) != 0,
            GgufValueType.String => c.ReadString(what),
            GgufValueType.UInt64 => c.Read<ulong>(what),
            GgufValueType.Int64 => c.Read<long>(what),
            _ => c.Read<double>(what),
        };
        return GgufValue.Trusted(type, type, value);
    }

    private static Array ReadArray(ref GgufCursor c, string key, int depth, out GgufValueType elementType)
    {
        if (depth >= MaxArrayNesting)
        {
            throw c.Fail($"metadata '{key}' nests arrays more than {MaxArrayNesting} deep");
        }

        elementType = ReadType(ref c, $"element type of metadata array '{key}'");
        long at = c.Position;
        ulong count = c.ReadUInt64($"length of metadata array '{key}'");
        int size = GgufValue.ScalarSize(elementType);
        int minSize = size != 0 ? size : elementType == GgufValueType.String ? 8 : 4 + 8;
        if (count > (ulong)c.Remaining / (ulong)minSize)
        {
            throw c.Fail($"metadata array '{key}' at offset {at} claims {count} {elementType} elements, more than the remaining {c.Remaining} bytes can hold (absurd count or truncated file)");
        }

        if (count * (ulong)minSize > int.MaxValue)
        {
            throw c.Fail($"metadata array '{key}' has {count} elements, too many to load");
        }

        string what = $"elements of metadata array '{key}'";
        long n = (long)count;
        switch (elementType)
        {
            case GgufValueType.UInt8: return c.ReadBlock<byte>(n, what);
            case GgufValueType.Int8: return c.ReadBlock<sbyte>(n, what);
            case GgufValueType.UInt16: return c.ReadBlock<ushort>(n, what);
            case GgufValueType.Int16: return c.ReadBlock<short>(n, what);
            case GgufValueType.UInt32: return c.ReadBlock<uint>(n, what);
            case GgufValueType.Int32: return c.ReadBlock<int>(n, what);
            case GgufValueType.Float32: return c.ReadBlock<float>(n, what);
            case GgufValueType.UInt64: return c.ReadBlock<ulong>(n, what);
            case GgufValueType.Int64: return c.ReadBlock<long>(n, what);
            case GgufValueType.Float64: return c.ReadBlock<double>(n, what);
            case GgufValueType.Bool:
                byte[] raw = c.ReadBlock<byte>(n, what);
                var bools = new bool[n];
                for (int i = 0; i < raw.Length; i++)
                {
                    bools[i] = raw[i] != 0;
                }

                return bools;
            case GgufValueType.String:
                var strings = new string[n];
                for (long i = 0; i < n; i++)
                {
                    strings[i] = c.ReadString($"element {i} of metadata array '{key}'");
                }

                return strings;
            default:
                var arrays = new GgufValue[n];
                for (long i = 0; i < n; i++)
                {
                    Array inner = ReadArray(ref c, key, depth + 1, out GgufValueType innerType);
                    arrays[i] = GgufValue.Trusted(GgufValueType.Array, innerType, inner);
                }

                return arrays;
        }
    }

    private static int ReadAlignment(ref GgufCursor c, Dictionary<string, GgufValue> metadata)
    {
        if (!metadata.TryGetValue("general.alignment", out GgufValue? value))
        {
            return DefaultAlignment;
        }

        long alignment = value.Value switch
        {
            uint u => u,
            int i => i,
            ulong ul => ul > int.MaxValue ? -1 : (long)ul,
            long l => l,
            ushort us => us,
            short s => s,
            byte b => b,
            sbyte sb => sb,
            _ => throw c.Fail($"general.alignment must be an integer (uint32), but is {value.Type}"),
        };
        if (alignment <= 0 || alignment > int.MaxValue || (alignment & (alignment - 1)) != 0)
        {
            throw c.Fail($"general.alignment {value} is not a positive power of two");
        }

        return (int)alignment;
    }

    private static GgufTensorInfo ReadTensorInfo(ref GgufCursor c, ulong index)
    {
        string name = c.ReadString($"name of tensor #{index}");
        uint nDims = c.ReadUInt32($"dimension count of tensor '{name}'");
        if (nDims is 0 or > MaxDimensions)
        {
            throw c.Fail($"tensor '{name}' has {nDims} dimensions; GGUF tensors have 1 to {MaxDimensions}");
        }

        var shape = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++)
        {
            ulong ne = c.ReadUInt64($"dimension {d} of tensor '{name}'");
            if (ne == 0 || ne > long.MaxValue)
            {
                throw c.Fail($"tensor '{name}' has invalid dimension {d} = {(long)ne} (dimensions must be positive)");
            }

            shape[nDims - 1 - d] = (long)ne; // ne is innermost first; Shape is outermost first
            if (elements > long.MaxValue / (long)ne)
            {
                throw c.Fail($"tensor '{name}' has an absurd shape [{string.Join(", ", shape)}]: its element count overflows");
            }

            elements *= (long)ne;
        }

        uint rawType = c.ReadUInt32($"type of tensor '{name}'");
        ulong offset = c.ReadUInt64($"data offset of tensor '{name}'");
        if (offset > long.MaxValue)
        {
            throw c.Fail($"tensor '{name}' has data offset {offset}, past the end of the file");
        }

        int ggmlType = unchecked((int)rawType);
        long byteLength = -1;
        if (GgmlTypeTable.TryGet(ggmlType, out int blockSize, out int blockBytes, out string typeName))
        {
            long columns = shape[^1];
            if (columns % blockSize != 0)
            {
                throw c.Fail($"tensor '{name}' of type {typeName} has rows of {columns} values, not a multiple of the block size {blockSize}");
            }

            long rows = elements / columns;
            long rowBytes = columns / blockSize * blockBytes;
            if (rows > long.MaxValue / rowBytes)
            {
                throw c.Fail($"tensor '{name}' has an absurd shape [{string.Join(", ", shape)}]: its byte size overflows");
            }

            byteLength = rows * rowBytes;
        }

        return new GgufTensorInfo(name, ggmlType, shape, (long)offset, byteLength);
    }

    private static void CheckTensorPlacement(ref GgufCursor c, List<GgufTensorInfo> tensors, int alignment, long dataLength, long fileLength)
    {
        foreach (GgufTensorInfo t in tensors)
        {
            if (t.Offset % alignment != 0)
            {
                throw c.Fail($"tensor '{t.Name}' has misaligned data offset {t.Offset} (not a multiple of the alignment {alignment})");
            }

            long length = Math.Max(t.ByteLength, 0);
            if (t.Offset > dataLength || length > dataLength - t.Offset)
            {
                throw c.Fail($"tensor '{t.Name}' data [{t.Offset}, {t.Offset + length}) runs past the end of the file ({dataLength} data bytes after the {fileLength - dataLength}-byte header; truncated file?)");
            }
        }

        var byOffset = tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Offset).ToArray();
        for (int i = 1; i < byOffset.Length; i++)
        {
            GgufTensorInfo previous = byOffset[i - 1];
            if (byOffset[i].Offset < previous.Offset + previous.ByteLength)
            {
                throw c.Fail($"tensors '{previous.Name}' and '{byOffset[i].Name}' overlap (data at offsets {previous.Offset}..{previous.Offset + previous.ByteLength} and {byOffset[i].Offset})");
            }
        }
    }
}
