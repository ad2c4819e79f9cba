using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Formats;

/// <summary>
/// Tensors of a checkpoint fetched by name and checked against the shape the config implies, so a mismatch names the
/// tensor and both shapes at load time (shared by the model families' weight loaders). Norm and bias vectors that are
/// not F32 become owned F32 copies, since backends are only required to take F32 norm weights.
/// </summary>
public sealed class CheckedTensors
{
    private readonly string _path;
    private readonly Func<string, bool> _contains;
    private readonly Func<string, WeightTensor> _get;

    /// <param name="path">The checkpoint (GGUF file or HF folder), for errors.</param>
    /// <param name="contains">Whether the checkpoint holds a tensor.</param>
    /// <param name="get">A view of a tensor.</param>
    /// <param name="owned">Where converted copies live (owned by the model).</param>
    public CheckedTensors(string path, Func<string, bool> contains, Func<string, WeightTensor> get, OwnedTensors owned)
    {
        _path = path;
        _contains = contains;
        _get = get;
        Owned = owned;
    }

    /// <summary>Where converted copies live.</summary>
    public OwnedTensors Owned { get; }

    /// <summary>The checkpoint, for errors.</summary>
    public string Path => _path;

    /// <summary>Whether the checkpoint holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _contains(name);

    /// <summary>A matrix of <paramref name="rows"/> x <paramref name="columns"/>; leading dimensions (3-D expert or head stacks) multiply into the rows.</summary>
    public WeightTensor Matrix(string name, long rows, long columns)
    {
        WeightTensor t = Get(name);
        if (t.Shape.Count < 2 || t.Rows != rows || t.Columns != columns)
        {
            throw new ModelLoadException(_path, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}] but the config needs [{rows}, {columns}]");
        }

        return t;
    }

    /// <summary>A vector of <paramref name="width"/> values as F32.</summary>
    public WeightTensor Vector(string name, long width)
    {
        WeightTensor t = Get(name);
        if (t.Shape.Count != 1 || t.Shape[0] != width)
        {
            throw new ModelLoadException(_path, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}] but the config needs [{width}]");
        }

        if (t.Type == DType.F32)
        {
            return t;
        }

        if (DTypeInfo.IsQuantized(t.Type) || t.Type == DType.I32)
        {
            throw new ModelLoadException(_path, $"norm weight '{name}' is {t.Type}; norm weights and biases must be F32, F16 or BF16");
        }

        var values = new float[width];
        BlockQuantizer.Dequantize(t.Type, t.Bytes, values);
        return Owned.CreateF32(name, [width], values);
    }

    /// <summary>The tensor <paramref name="name"/>, or an error naming it when the checkpoint lacks it.</summary>
    public WeightTensor Get(string name) =>
        _contains(name) ? _get(name) : throw new ModelLoadException(_path, $"tensor '{name}' is missing");
}
