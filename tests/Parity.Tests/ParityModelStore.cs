using System.Collections.Concurrent;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// Writes each (case, dtype, format) model once per test run with the LLaMA plugin's test-model writer, into a
/// temporary folder that is deleted when the run ends.
/// </summary>
public sealed class ParityModelStore : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("llmfw-parity-").FullName;
    private readonly ConcurrentDictionary<string, Lazy<string>> _written = new(StringComparer.Ordinal);
    private readonly LlamaFamily _family = new();

    /// <summary>Path of the model for <paramref name="caseName"/> in <paramref name="dtype"/> and <paramref name="format"/>, written on first use.</summary>
    public string Get(string caseName, DType dtype, CheckpointFormat format)
    {
        string key = $"{caseName}-{dtype}-{format}";
        return _written.GetOrAdd(key, k => new Lazy<string>(() => Write(k, ParityCases.Get(caseName, dtype), format))).Value;
    }

    /// <summary>
    /// Path of an F32 GGUF holding exactly the values the quantised <paramref name="caseName"/> model's weights decode to.
    /// </summary>
    public string GetDequantised(string caseName, DType dtype)
    {
        string key = $"{caseName}-{dtype}-Gguf-dequantised";
        return _written.GetOrAdd(key, k => new Lazy<string>(() =>
        {
            string path = Path.Combine(_root, k + ".gguf");
            DequantisedCopy.Write(Get(caseName, dtype, CheckpointFormat.Gguf), path);
            return path;
        })).Value;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere; the temp folder is cleaned by the OS eventually.
        }
    }

    private string Write(string key, TestModelSpec spec, CheckpointFormat format)
    {
        string path = Path.Combine(_root, format == CheckpointFormat.Gguf ? key + ".gguf" : key);
        _family.Write(spec, format, path);
        return path;
    }
}
