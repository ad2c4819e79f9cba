using System.Text.Json;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Formats.Safetensors;

/// <summary>
/// Parses and validates a safetensors JSON header with <see cref="Utf8JsonReader"/> straight from the map
/// (JsonDocument would silently accept duplicate names).
/// </summary>
internal static class SafetensorsHeaderParser
{
    public const string MetadataKey = "__metadata__";

    public static (List<SafetensorsTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        ReadOnlySpan<byte> json, long dataLength, string path)
    {
        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new ModelLoadException(path, "header is not a JSON object");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                if (!names.Add(name))
                {
                    throw new ModelLoadException(path, $"duplicate entry '{name}' in the header");
                }

                reader.Read();
                if (name == MetadataKey)
                {
                    ReadMetadata(ref reader, metadata, path);
                }
                else
                {
                    tensors.Add(ReadTensor(ref reader, name, path));
                }
            }

            if (reader.Read())
            {
                throw new ModelLoadException(path, "header has content after its JSON object");
            }
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException(path, $"header is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is System.Text.DecoderFallbackException)
        {
            throw new ModelLoadException(path, "header is not valid JSON: it holds a string that is not valid UTF-8", ex);
        }

        Validate(tensors, dataLength, path);
        return (tensors, metadata);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType;
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string path)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ModelLoadException(path, $"'{MetadataKey}' must be an object of strings");
        }

        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new ModelLoadException(path, $"'{MetadataKey}' entry '{key}' is {reader.TokenType}, but metadata values must be strings");
            }

            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw new ModelLoadException(path, $"duplicate '{MetadataKey}' entry '{key}'");
            }
        }
    }

    private static SafetensorsTensorInfo ReadTensor(ref Utf8JsonReader reader, string name, string path)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ModelLoadException(path, $"tensor '{name}' entry must be an object with dtype, shape and data_offsets, but is {reader.TokenType}");
        }

        string? dtype = null;
        List<long>? shape = null;
        List<long>? offsets = null;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype" when dtype is null:
                    dtype = reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new ModelLoadException(path, $"tensor '{name}' dtype must be a string");
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(ref reader, name, "shape", path);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(ref reader, name, "data_offsets", path);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new ModelLoadException(path, $"tensor '{name}' has a duplicate '{field}' field");
                default:
                    reader.Skip();
                    break;
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new ModelLoadException(path, $"tensor '{name}' has no '{missing}' field");
        }

        if (offsets.Count != 2)
        {
            throw new ModelLoadException(path, $"tensor '{name}' data_offsets must be [begin, end], got {offsets.Count} numbers");
        }

        return new SafetensorsTensorInfo(name, dtype, [.. shape], offsets[0], offsets[1]);
    }

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string name, string field, string path)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new ModelLoadException(path, $"tensor '{name}' {field} must be an array of integers");
        }

        var values = new List<long>();
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
            {
                throw new ModelLoadException(path, $"tensor '{name}' {field} must hold integers, found {reader.TokenType} {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}");
            }

            if (value < 0)
            {
                throw new ModelLoadException(path, $"tensor '{name}' has negative {field} value {value}");
            }

            values.Add(value);
        }

        return values;
    }

    private static void Validate(List<SafetensorsTensorInfo> tensors, long dataLength, string path)
    {
        foreach (SafetensorsTensorInfo t in tensors)
        {
            int bits = SafetensorsDTypes.Bits(t.DType);
            if (bits == 0)
            {
                throw new ModelLoadException(path, $"tensor '{t.Name}' has unknown dtype '{t.DType}'");
            }

            if (t.End < t.Begin)
            {
                throw new ModelLoadException(path, $"tensor '{t.Name}' data_offsets [{t.Begin}, {t.End}] end before they begin");
            }

            if (t.End > dataLength)
            {
                throw new ModelLoadException(path, $"tensor '{t.Name}' data_offsets [{t.Begin}, {t.End}] run past the end of the data ({dataLength} bytes; truncated file?)");
            }

            long elements = 1;
            foreach (long d in t.Shape)
            {
                if (d != 0 && elements > long.MaxValue / 64 / d)
                {
                    throw new ModelLoadException(path, $"tensor '{t.Name}' has an absurd shape [{string.Join(", ", t.Shape)}]");
                }

                elements *= d;
            }

            long totalBits = elements * bits;
            if (totalBits % 8 != 0 || totalBits / 8 != t.End - t.Begin)
            {
                throw new ModelLoadException(path, $"tensor '{t.Name}' size mismatch: shape [{string.Join(", ", t.Shape)}] of {t.DType} needs {totalBits / 8.0} bytes but data_offsets give {t.End - t.Begin}");
            }
        }

        SafetensorsTensorInfo[] ordered = [.. tensors.Where(t => t.End > t.Begin).OrderBy(t => t.Begin)];
        for (int i = 1; i < ordered.Length; i++)
        {
            if (ordered[i].Begin < ordered[i - 1].End)
            {
                throw new ModelLoadException(path, $"tensors '{ordered[i - 1].Name}' [{ordered[i - 1].Begin}, {ordered[i - 1].End}) and '{ordered[i].Name}' [{ordered[i].Begin}, {ordered[i].End}) overlap");
            }
        }
    }
}
