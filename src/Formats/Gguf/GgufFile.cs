using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats.Gguf;

/// <summary>
/// A GGUF checkpoint, memory-mapped. Opening validates the header, metadata and tensor table; tensor data is never
/// copied: <see cref="GetTensor"/> returns views into the map, valid until this object is disposed.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    private readonly MappedFile _map;
    private readonly Dictionary<string, GgufValue> _metadata;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;

    private GgufFile(MappedFile map, GgufParser.Result parsed)
    {
        _map = map;
        _metadata = parsed.Metadata;
        Metadata = _metadata.AsReadOnly();
        Version = parsed.Version;
        Alignment = parsed.Alignment;
        DataOffset = parsed.DataOffset;
        Tensors = parsed.Tensors.AsReadOnly();
        _tensorsByName = parsed.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Full path of the file.</summary>
    public string Path => _map.Path;

    /// <summary>GGUF version (2 or 3).</summary>
    public uint Version { get; }

    /// <summary>Alignment of tensor data (general.alignment, default 32).</summary>
    public int Alignment { get; }

    /// <summary>Absolute file offset of the data section that tensor offsets are relative to.</summary>
    public long DataOffset { get; }

    /// <summary>All metadata, keyed by name (ordinal).</summary>
    public IReadOnlyDictionary<string, GgufValue> Metadata { get; }

    /// <summary>The tensor table in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>
    /// Maps and validates <paramref name="path"/>. Throws <see cref="ModelLoadException"/> naming the file and the
    /// problem for anything malformed (tensors of ggml types this framework cannot use are allowed until requested).
    /// </summary>
    public static GgufFile Open(string path)
    {
        MappedFile map = MappedFile.Open(path);
        try
        {
            if (!BitConverter.IsLittleEndian)
            {
                throw new NotSupportedException("GGUF reading needs a little-endian machine.");
            }

            return new GgufFile(map, GgufParser.Parse(map.Pointer, map.Length, map.Path));
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>True when a tensor named <paramref name="name"/> exists.</summary>
    public bool ContainsTensor(string name) => _tensorsByName.ContainsKey(name);

    /// <summary>The table entry of tensor <paramref name="name"/>; <see cref="ModelLoadException"/> when missing.</summary>
    public GgufTensorInfo GetTensorInfo(string name) =>
        _tensorsByName.TryGetValue(name, out GgufTensorInfo? info) ? info : throw Fail($"has no tensor named '{name}'");

    /// <summary>
    /// A view of tensor <paramref name="name"/> pointing into the map (shape outermost first). Throws
    /// <see cref="ModelLoadException"/> naming the file and tensor when it is missing or its ggml type has no <see cref="DType"/>.
    /// </summary>
    public WeightTensor GetTensor(string name)
    {
        GgufTensorInfo info = GetTensorInfo(name);
        if (!DTypeInfo.TryFromGgmlType(info.GgmlType, out DType type))
        {
            throw Fail($"tensor '{name}' has ggml type {GgmlTypeTable.Describe(info.GgmlType)}, which this framework cannot use (no DType for it)");
        }

        return new WeightTensor(name, type, (long[])info.Shape.Clone(), _map.Pointer + DataOffset + info.Offset, info.ByteLength);
    }

    /// <summary>
    /// Raw bytes of tensor <paramref name="name"/> of any ggml type whose size is known (e.g. q5_k for a future codec);
    /// tensors over 2 GiB: use <see cref="GetTensor"/>.
    /// </summary>
    public ReadOnlySpan<byte> GetTensorBytes(string name)
    {
        GgufTensorInfo info = GetTensorInfo(name);
        if (info.ByteLength < 0)
        {
            throw Fail($"tensor '{name}' has unknown ggml type {info.GgmlType}, so its size is unknown");
        }

        if (info.ByteLength > int.MaxValue)
        {
            throw new NotSupportedException($"{Path}: tensor '{name}' is {info.ByteLength} bytes, too large for a span; use GetTensor(...).Data");
        }

        return new ReadOnlySpan<byte>(_map.Pointer + DataOffset + info.Offset, (int)info.ByteLength);
    }

    /// <summary>True when metadata key <paramref name="key"/> exists.</summary>
    public bool ContainsKey(string key) => _metadata.ContainsKey(key);

    /// <summary>The string at <paramref name="key"/>; throws when missing or not a string.</summary>
    public string GetString(string key) =>
        TryGetString(key, out string value) ? value : throw Missing(key, "a string");

    /// <summary>False when <paramref name="key"/> is missing; throws when it exists but is not a string.</summary>
    public bool TryGetString(string key, out string value)
    {
        value = string.Empty;
        if (!_metadata.TryGetValue(key, out GgufValue? v))
        {
            return false;
        }

        value = v.Value as string ?? throw WrongType(key, v, "a string");
        return true;
    }

    /// <summary>The integer at <paramref name="key"/> (any integer type); throws when missing, not an integer or above long.MaxValue.</summary>
    public long GetInteger(string key) =>
        TryGetInteger(key, out long value) ? value : throw Missing(key, "an integer");

    /// <summary>False when <paramref name="key"/> is missing; throws when it exists but is not an integer.</summary>
    public bool TryGetInteger(string key, out long value)
    {
        value = 0;
        if (!_metadata.TryGetValue(key, out GgufValue? v))
        {
            return false;
        }

        value = v.Value switch
        {
            byte b => b,
            sbyte sb => sb,
            ushort us => us,
            short s => s,
            uint u => u,
            int i => i,
            long l => l,
            ulong ul when ul <= long.MaxValue => (long)ul,
            ulong ul => throw Fail($"metadata '{key}' = {ul} does not fit a 64-bit signed integer"),
            _ => throw WrongType(key, v, "an integer"),
        };
        return true;
    }

    /// <summary>The integer at <paramref name="key"/> as an int; throws when missing, not an integer or out of int range.</summary>
    public int GetInt32(string key) => ToInt32(key, GetInteger(key));

    /// <summary>The integer at <paramref name="key"/> as an int, or null when missing; throws when not an integer or out of int range.</summary>
    public int? GetOptionalInt32(string key) => TryGetInteger(key, out long v) ? ToInt32(key, v) : null;

    /// <summary>The number at <paramref name="key"/> (float32, float64 or any integer); throws when missing or not a number.</summary>
    public float GetFloat(string key) =>
        TryGetFloat(key, out float value) ? value : throw Missing(key, "a number");

    /// <summary>False when <paramref name="key"/> is missing; throws when it exists but is not a number.</summary>
    public bool TryGetFloat(string key, out float value)
    {
        value = 0;
        if (!_metadata.TryGetValue(key, out GgufValue? v))
        {
            return false;
        }

        value = v.Value switch
        {
            float f => f,
            double d => (float)d,
            byte or sbyte or ushort or short or uint or int or long or ulong => GetInteger(key),
            _ => throw WrongType(key, v, "a number"),
        };
        return true;
    }

    /// <summary>The bool at <paramref name="key"/>, or <paramref name="defaultValue"/> when missing; throws when it is not a bool.</summary>
    public bool GetBool(string key, bool defaultValue)
    {
        if (!_metadata.TryGetValue(key, out GgufValue? v))
        {
            return defaultValue;
        }

        return v.Value is bool b ? b : throw WrongType(key, v, "a bool");
    }

    /// <summary>A copy of the string array at <paramref name="key"/>; throws when missing or not an array of strings.</summary>
    public string[] GetStringArray(string key) =>
        GetArray(key, "an array of strings") is string[] strings ? (string[])strings.Clone() : throw WrongType(key, _metadata[key], "an array of strings");

    /// <summary>A new array with the array at <paramref name="key"/> as floats (float32 as stored; float64 and integer arrays converted).</summary>
    public float[] GetFloatArray(string key)
    {
        Array a = GetArray(key, "an array of numbers");
        switch (a)
        {
            case float[] f:
                return (float[])f.Clone();
            case double[] d:
                return Array.ConvertAll(d, x => (float)x);
            default:
                long[] integers = GetIntegers(key, a, "an array of numbers");
                return Array.ConvertAll(integers, x => (float)x);
        }
    }

    /// <summary>A new array with the array at <paramref name="key"/> as ints, from any integer array type; throws when an element does not fit an int.</summary>
    public int[] GetIntArray(string key)
    {
        Array a = GetArray(key, "an array of integers");
        if (a is int[] ints)
        {
            return (int[])ints.Clone();
        }

        long[] integers = GetIntegers(key, a, "an array of integers");
        var result = new int[integers.Length];
        for (int i = 0; i < integers.Length; i++)
        {
            result[i] = integers[i] is >= int.MinValue and <= int.MaxValue
                ? (int)integers[i]
                : throw Fail($"metadata '{key}' element {i} = {integers[i]} does not fit a 32-bit integer");
        }

        return result;
    }

    /// <inheritdoc />
    public void Dispose() => _map.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Path} (GGUF v{Version}, {_metadata.Count} metadata, {Tensors.Count} tensors)";

    private Array GetArray(string key, string expected)
    {
        if (!_metadata.TryGetValue(key, out GgufValue? v))
        {
            throw Missing(key, expected);
        }

        return v.Type == GgufValueType.Array ? (Array)v.Value : throw WrongType(key, v, expected);
    }

    private long[] GetIntegers(string key, Array a, string expected)
    {
        switch (a)
        {
            case byte[] x: return Array.ConvertAll(x, e => (long)e);
            case sbyte[] x: return Array.ConvertAll(x, e => (long)e);
            case ushort[] x: return Array.ConvertAll(x, e => (long)e);
            case short[] x: return Array.ConvertAll(x, e => (long)e);
            case uint[] x: return Array.ConvertAll(x, e => (long)e);
            case int[] x: return Array.ConvertAll(x, e => (long)e);
            case long[] x: return x;
            case ulong[] x:
                var result = new long[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    result[i] = x[i] <= long.MaxValue ? (long)x[i] : throw Fail($"metadata '{key}' element {i} = {x[i]} does not fit a 64-bit signed integer");
                }

                return result;
            default:
                throw WrongType(key, _metadata[key], expected);
        }
    }

    private int ToInt32(string key, long v) =>
        v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Fail($"metadata '{key}' = {v} is out of range");

    private ModelLoadException Fail(string problem) => new(Path, problem);

    private ModelLoadException Missing(string key, string expected) => Fail($"metadata key '{key}' ({expected}) is missing");

    private ModelLoadException WrongType(string key, GgufValue v, string expected) =>
        Fail($"metadata '{key}' should be {expected} but is {(v.Type == GgufValueType.Array ? $"an array of {v.ElementType}" : v.Type.ToString())}");
}
