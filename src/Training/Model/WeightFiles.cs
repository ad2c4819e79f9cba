using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>Saves a module's parameters to a .safetensors file (our writer) and loads them back by name.</summary>
public static class WeightFiles
{
    /// <summary>
    /// Writes every parameter of <paramref name="module"/> (by its registered name, filtered by <paramref name="include"/>)
    /// as <paramref name="type"/> (F32, F16 or BF16) to <paramref name="path"/>; names are prefixed by <paramref name="prefix"/>.
    /// </summary>
    public static void Save(nn.Module module, string path, DType type, Func<string, bool>? include = null, string prefix = "", IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var writer = new SafetensorsWriter();
        foreach ((string name, Tensor tensor) in Parameters(module))
        {
            if (include is not null && !include(name))
            {
                continue;
            }

            writer.Add(prefix + name, type, tensor.shape, Encode(tensor, type));
        }

        foreach ((string key, string value) in metadata ?? new Dictionary<string, string>())
        {
            writer.AddMetadata(key, value);
        }

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        string temporary = path + ".tmp";
        writer.WriteTo(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The values of <paramref name="tensor"/> as float32 on the CPU.</summary>
    public static float[] ToFloats(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using Tensor cpu = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return cpu.data<float>().ToArray();
    }

    /// <summary>
    /// Copies the tensors of <paramref name="path"/> into the parameters of <paramref name="module"/> with the same
    /// names (after removing <paramref name="prefix"/>). Every parameter must be found unless <paramref name="optional"/>
    /// says it may be missing; a shape mismatch or an unknown tensor is an error naming the file and the tensor.
    /// </summary>
    public static void Load(nn.Module module, string path, string prefix = "", Func<string, bool>? optional = null, bool allowUnknown = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        using SafetensorsFile file = SafetensorsFile.Open(path);
        Dictionary<string, Tensor> parameters = Parameters(module);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsTensorInfo info in file.Tensors)
        {
            string name = info.Name.StartsWith(prefix, StringComparison.Ordinal) ? info.Name[prefix.Length..] : info.Name;
            if (!parameters.TryGetValue(name, out Tensor? target))
            {
                if (allowUnknown)
                {
                    continue;
                }

                throw new InvalidDataException($"{path}: tensor '{info.Name}' is not a parameter of the model");
            }

            WeightTensor weight = file.GetTensor(info.Name);
            if (!weight.Shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"{path}: tensor '{info.Name}' has shape [{string.Join(", ", weight.Shape)}], the model expects [{string.Join(", ", target.shape)}]");
            }

            float[] values = Decode(weight, path);
            using Tensor source = tensor(values, target.shape);
            using (no_grad())
            {
                target.copy_(source);
            }

            seen.Add(name);
        }

        string? missing = parameters.Keys.FirstOrDefault(n => !seen.Contains(n) && !(optional?.Invoke(n) ?? false));
        if (missing is not null)
        {
            throw new InvalidDataException($"{path}: tensor '{prefix}{missing}' is missing");
        }
    }

    /// <summary>
    /// The module's parameters by registered name. (TorchSharp's state_dict also lists every parameter again under the
    /// C# field names of the modules holding it; those aliases are not checkpoint names.)
    /// </summary>
    public static Dictionary<string, Tensor> Parameters(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in module.named_parameters())
        {
            parameters[name] = parameter;
        }

        return parameters;
    }

    private static byte[] Encode(Tensor tensor, DType type) => type switch
    {
        DType.F32 or DType.F16 or DType.BF16 => BlockQuantizer.Quantize(type, ToFloats(tensor)),
        _ => throw new NotSupportedException($"weights are saved as F32, F16 or BF16, not {DTypeInfo.Name(type)}"),
    };

    private static unsafe float[] Decode(WeightTensor weight, string path)
    {
        if (weight.Type is not (DType.F32 or DType.F16 or DType.BF16))
        {
            throw new InvalidDataException($"{path}: tensor '{weight.Name}' is {DTypeInfo.Name(weight.Type)}; training loads F32, F16 or BF16 weights");
        }

        long count = weight.Rows * weight.Columns;
        var values = new float[count];
        BlockQuantizer.Dequantize(weight.Type, new ReadOnlySpan<byte>(weight.Data, checked((int)weight.ByteLength)), values);
        return values;
    }
}
