using System.Text.Json;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Formats.Json;

/// <summary>Typed reads of one JSON object of a checkpoint file; every error names the file and the key.</summary>
public sealed class JsonObjectReader
{
    private readonly JsonElement _root;

    /// <summary>Reads <paramref name="root"/>, an object of the file <paramref name="path"/> (at key path <paramref name="prefix"/>).</summary>
    public JsonObjectReader(string path, JsonElement root, string? prefix = null)
    {
        Path = path;
        _root = root;
        Prefix = prefix;
    }

    /// <summary>The file the object came from.</summary>
    public string Path { get; }

    /// <summary>The key path of this object inside the file (for nested objects such as rope_scaling), or null.</summary>
    public string? Prefix { get; }

    /// <summary>Parses <paramref name="path"/>, which must hold a JSON object.</summary>
    public static JsonObjectReader Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelLoadException(path, "file is missing");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelLoadException(path, $"is not valid JSON: {e.Message}", e);
        }

        JsonElement root = document.RootElement.Clone();
        document.Dispose();
        return root.ValueKind == JsonValueKind.Object ? new JsonObjectReader(path, root) : throw new ModelLoadException(path, $"should hold a JSON object, not {root.ValueKind}");
    }

    /// <summary>Whether <paramref name="key"/> is present (and not null).</summary>
    public bool Has(string key) => TryGet(key, out _);

    /// <summary>The value of <paramref name="key"/>, when present and not null.</summary>
    public bool TryGet(string key, out JsonElement value)
    {
        if (_root.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>An integer that must be present; otherwise an error naming the file and key.</summary>
    public int RequiredInt(string key) => OptionalInt(key) ?? throw Missing(key);

    /// <summary>An integer, or null when absent; a value of another type is an error naming the key.</summary>
    public int? OptionalInt(string key)
    {
        if (!TryGet(key, out JsonElement v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i))
        {
            return i;
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue)
        {
            return (int)d;
        }

        throw WrongType(key, v, "an integer");
    }

    /// <summary>A number that must be present.</summary>
    public float RequiredFloat(string key) => OptionalFloat(key) ?? throw Missing(key);

    /// <summary>A number, or null when absent.</summary>
    public float? OptionalFloat(string key)
    {
        if (!TryGet(key, out JsonElement v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number ? (float)v.GetDouble() : throw WrongType(key, v, "a number");
    }

    /// <summary>A boolean, or null when absent.</summary>
    public bool? OptionalBool(string key)
    {
        if (!TryGet(key, out JsonElement v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(key, v, "true or false"),
        };
    }

    /// <summary>A string, or null when absent.</summary>
    public string? OptionalString(string key)
    {
        if (!TryGet(key, out JsonElement v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw WrongType(key, v, "a string");
    }

    /// <summary>A string or array of strings as a list (empty when missing).</summary>
    public IReadOnlyList<string> StringList(string key)
    {
        if (!TryGet(key, out JsonElement v))
        {
            return [];
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            return [v.GetString()!];
        }

        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
        {
            return v.EnumerateArray().Select(e => e.GetString()!).ToArray();
        }

        throw WrongType(key, v, "a string or an array of strings");
    }

    /// <summary>An integer or array of integers as a list (empty when missing).</summary>
    public IReadOnlyList<int> IntList(string key)
    {
        if (!TryGet(key, out JsonElement v))
        {
            return [];
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int single))
        {
            return [single];
        }

        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _)))
        {
            return v.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        }

        throw WrongType(key, v, "an integer or an array of integers");
    }

    /// <summary>The nested object at <paramref name="key"/>, or null when missing.</summary>
    public JsonObjectReader? OptionalObject(string key)
    {
        if (!TryGet(key, out JsonElement v))
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Object ? new JsonObjectReader(Path, v, Name(key)) : throw WrongType(key, v, "an object");
    }

    private string Name(string key) => Prefix is null ? key : $"{Prefix}.{key}";

    private ModelLoadException Missing(string key) => new(Path, $"required key '{Name(key)}' is missing");

    private ModelLoadException WrongType(string key, JsonElement v, string expected) =>
        new(Path, $"'{Name(key)}' should be {expected} but is {v.ValueKind} ({Truncate(v.GetRawText())})");

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
