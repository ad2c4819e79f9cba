using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats;
using LlmFramework.Quantization;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>
/// Tensors of a checkpoint fetched by name and checked against the shape the config implies, so a mismatch names the
/// tensor and both shapes at load time. Norm and bias vectors that are not F32 become owned F32 copies.
/// </summary>
internal sealed class CheckedTensors
{
    private readonly string _path;
    private readonly Func<string, bool> _contains;
    private readonly Func<string, WeightTensor> _get;

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

    public bool Contains(string name) => _contains(name);

    /// <summary>A matrix of <paramref name="rows"/> x <paramref name="columns"/>; leading dimensions (3-D expert or head stacks) multiply into the rows.</summary>
    public WeightTensor Matrix(string name, long rows, long columns)
    {
        WeightTensor t = Get(name);
        if (t.Shape.Count < 2 || t.Rows != rows || t.Columns != columns)
        {
            throw new ModelLoadException(_path, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}] but the config needs {rows} rows of {columns}");
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
            throw new ModelLoadException(_path, $"vector '{name}' is {t.Type}; norm weights and biases must be F32, F16 or BF16");
        }

        var values = new float[width];
        BlockQuantizer.Dequantize(t.Type, t.Bytes, values);
        return Owned.CreateF32(name, [width], values);
    }

    public WeightTensor Get(string name) =>
        _contains(name) ? _get(name) : throw new ModelLoadException(_path, $"tensor '{name}' is missing");
}
