using System.Text.Json;

namespace LlmFramework.Formats.Json;

/// <summary>Writes small JSON files (config.json and the like) as one indented object, in UTF-8 without a BOM.</summary>
public static class JsonFileWriter
{
    /// <summary>Writes the object whose members <paramref name="body"/> writes to <paramref name="path"/>, replacing any file there.</summary>
    public static void WriteObject(string path, Action<Utf8JsonWriter> body)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(body);
        using var stream = new MemoryStream();
        using (var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            j.WriteStartObject();
            body(j);
            j.WriteEndObject();
        }

        File.WriteAllBytes(path, stream.ToArray());
    }
}
