using System.Buffers.Binary;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Formats.Safetensors;

/// <summary>
/// Builds a .safetensors file: tensors in insertion order, contiguous, after a JSON header padded with spaces to a
/// multiple of 8 bytes (so the data starts 8-byte aligned).
/// </summary>
public sealed class SafetensorsWriter
{
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _metadata = new(StringComparer.Ordinal);

    /// <summary>Names of the tensors added so far, in order.</summary>
    public IEnumerable<string> TensorNames => _tensors.Select(t => t.Name);

    /// <summary>Adds a tensor of F32, F16, BF16 or I32 (block-quantised types throw <see cref="NotSupportedException"/>).</summary>
    public void Add(string name, DType type, long[] shape, ReadOnlyMemory<byte> data) =>
        Add(name, SafetensorsDTypes.FromDType(type), shape, data);

    /// <summary>Adds a tensor of any safetensors dtype string ("F8_E4M3", "U8", ...); the data length must match shape x dtype size.</summary>
    public void Add(string name, string dtype, long[] shape, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        int bits = SafetensorsDTypes.Bits(dtype);
        if (bits == 0)
        {
            throw new ArgumentException($"unknown safetensors dtype '{dtype}'", nameof(dtype));
        }

        if (name == SafetensorsHeaderParser.MetadataKey)
        {
            throw new ArgumentException($"'{name}' is reserved for metadata", nameof(name));
        }

        if (shape.Any(d => d < 0))
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] has a negative dimension", nameof(shape));
        }

        long totalBits = checked(shape.Aggregate(1L, (a, d) => checked(a * d)) * bits);
        if (totalBits % 8 != 0 || totalBits / 8 != data.Length)
        {
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {totalBits / 8.0} bytes, got {data.Length}", nameof(data));
        }

        if (!_names.Add(name))
        {
            throw new ArgumentException($"tensor '{name}' was already added", nameof(name));
        }

        _tensors.Add(new PendingTensor(name, dtype, (long[])shape.Clone(), data));
    }

    /// <summary>Adds a "__metadata__" entry.</summary>
    public void AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!_metadata.TryAdd(key, value))
        {
            throw new ArgumentException($"metadata key '{key}' was already added", nameof(key));
        }
    }

    /// <summary>Writes the file, replacing any existing one.</summary>
    public void WriteTo(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] header = BuildHeader();
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (PendingTensor t in _tensors)
        {
            stream.Write(t.Data.Span);
        }
    }

    /// <summary>
    /// Writes <paramref name="shards"/> into <paramref name="folder"/> as model-0000i-of-0000n.safetensors plus a
    /// model.safetensors.index.json whose weight_map lists every tensor. Tensor names must be unique across shards.
    /// </summary>
    public static void WriteSharded(IReadOnlyList<SafetensorsWriter> shards, string folder)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (shards.Count == 0)
        {
            throw new ArgumentException("need at least one shard", nameof(shards));
        }

        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long totalSize = 0;
        var fileNames = new string[shards.Count];
        for (int i = 0; i < shards.Count; i++)
        {
            fileNames[i] = string.Create(CultureInfo.InvariantCulture, $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors");
            foreach (PendingTensor t in shards[i]._tensors)
            {
                if (!weightMap.TryAdd(t.Name, fileNames[i]))
                {
                    throw new ArgumentException($"tensor '{t.Name}' is in two shards ({weightMap[t.Name]} and {fileNames[i]})", nameof(shards));
                }

                totalSize += t.Data.Length;
            }
        }

        Directory.CreateDirectory(folder);
        for (int i = 0; i < shards.Count; i++)
        {
            shards[i].WriteTo(Path.Combine(folder, fileNames[i]));
        }

        using var index = new FileStream(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName), FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(index, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", totalSize);
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach ((string name, string file) in weightMap)
        {
            json.WriteString(name, file);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private byte[] BuildHeader()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject(SafetensorsHeaderParser.MetadataKey);
                foreach ((string key, string value) in _metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (PendingTensor t in _tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType);
                json.WriteStartArray("shape");
                foreach (long d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }

            json.WriteEndObject();
        }

        while (buffer.Length % 8 != 0)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private sealed record PendingTensor(string Name, string DType, long[] Shape, ReadOnlyMemory<byte> Data);
}
