using System.Runtime.InteropServices;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Gguf;
using LlmFramework.Quantization;

namespace LlmFramework.Parity.Tests;

/// <summary>
/// Rewrites a GGUF with every tensor decoded to F32 (same metadata, same values as the quantised weights represent):
/// the "exact" model a quantised model approximates once activation rounding is taken out.
/// </summary>
public static class DequantisedCopy
{
    /// <summary>Writes the F32 copy of <paramref name="sourcePath"/> to <paramref name="destinationPath"/>.</summary>
    public static void Write(string sourcePath, string destinationPath)
    {
        using GgufFile source = GgufFile.Open(sourcePath);
        var writer = new GgufWriter(source.Alignment);
        foreach ((string key, GgufValue value) in source.Metadata)
        {
            writer.Add(key, key == "general.file_type" ? GgufValue.FromScalar(GgufValueType.UInt32, 0u) : value);
        }

        foreach (GgufTensorInfo tensor in source.Tensors)
        {
            if (!DTypeInfo.TryFromGgmlType(tensor.GgmlType, out DType type))
            {
                throw new NotSupportedException($"{sourcePath}: tensor '{tensor.Name}' has ggml type {tensor.GgmlType}, which cannot be decoded");
            }

            long elements = tensor.Shape.Aggregate(1L, (a, b) => a * b);
            var values = new float[elements];
            BlockQuantizer.Dequantize(type, source.GetTensorBytes(tensor.Name), values);
            writer.AddTensor(tensor.Name, DType.F32, tensor.Shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }

        writer.WriteTo(destinationPath);
    }
}
