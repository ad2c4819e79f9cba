using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Quantization;

namespace LlmFramework.Models.DeepSeek.Loading;

/// <summary>
/// Tensors of a DeepSeek safetensors checkpoint, with DeepSeek's FP8 weights (F8_E4M3, one float scale per 128x128
/// block in the sibling <c>*.weight_scale_inv</c> tensor) dequantised to owned F32 copies; other dtypes are used in place.
/// </summary>
internal sealed class HuggingFaceDeepSeekTensors
{
    private const string Fp8 = "F8_E4M3";
    private const string ScaleSuffix = "_scale_inv";
    private readonly SafetensorsCheckpoint _checkpoint;
    private readonly OwnedTensors _owned;

    public HuggingFaceDeepSeekTensors(SafetensorsCheckpoint checkpoint, OwnedTensors owned)
    {
        _checkpoint = checkpoint;
        _owned = owned;
    }

    /// <summary>Whether any tensor is FP8.</summary>
    public bool HasFp8 => _checkpoint.TensorNames.Any(n => _checkpoint.GetInfo(n).DType == Fp8);

    public bool Contains(string name) => _checkpoint.Contains(name);

    public WeightTensor Get(string name)
    {
        SafetensorsTensorInfo info = _checkpoint.GetInfo(name);
        if (info.DType != Fp8)
        {
            return _checkpoint.GetTensor(name);
        }

        if (info.Shape.Length != 2)
        {
            throw new ModelLoadException(_checkpoint.Folder, $"FP8 tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; only 2-D FP8 weights are supported");
        }

        string scaleName = name + ScaleSuffix;
        if (!_checkpoint.Contains(scaleName))
        {
            throw new ModelLoadException(_checkpoint.Folder, $"FP8 tensor '{name}' has no block scales '{scaleName}'");
        }

        int rows = checked((int)info.Shape[0]), columns = checked((int)info.Shape[1]);
        int blockRows = (rows + Fp8E4M3.DefaultBlockSize - 1) / Fp8E4M3.DefaultBlockSize;
        int blockColumns = (columns + Fp8E4M3.DefaultBlockSize - 1) / Fp8E4M3.DefaultBlockSize;
        WeightTensor scaleTensor = _checkpoint.GetTensor(scaleName);
        if (scaleTensor.Rows * scaleTensor.Columns != (long)blockRows * blockColumns)
        {
            throw new ModelLoadException(_checkpoint.Folder, $"'{scaleName}' has shape [{string.Join(", ", scaleTensor.Shape)}]; {rows}x{columns} FP8 weights need [{blockRows}, {blockColumns}] block scales");
        }

        var scales = new float[blockRows * blockColumns];
        if (scaleTensor.Type == DType.F32)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(scaleTensor.Bytes).CopyTo(scales);
        }
        else
        {
            BlockQuantizer.Dequantize(scaleTensor.Type, scaleTensor.Bytes, scales);
        }

        var values = new float[(long)rows * columns];
        Fp8E4M3.DequantizeBlockScaled(_checkpoint.GetBytes(name), rows, columns, scales, values);
        return _owned.CreateF32(name, [rows, columns], values);
    }
}
