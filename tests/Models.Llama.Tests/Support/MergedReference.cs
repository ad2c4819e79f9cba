using LlmFramework.Abstractions.Tensors;
using LlmFramework.Formats.Safetensors;
using LlmFramework.Quantization;

namespace LlmFramework.Models.Llama.Tests.Support;

/// <summary>
/// The independent reference for adapters: a copy of a Hugging Face folder whose weights are W + s * B A, summed
/// here in float64 from the factors, written as F32 safetensors, to be loaded without any adapter.
/// </summary>
internal static class MergedReference
{
    /// <summary>Writes the merged copy of <paramref name="source"/> to <paramref name="destination"/> and returns it.</summary>
    public static string Write(string source, string destination, params (IReadOnlyList<LoraFactor> Factors, double Scale)[] adapters)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        using var model = SafetensorsFile.Open(Path.Combine(source, SafetensorsCheckpoint.SingleFileName));
        var st = new SafetensorsWriter();
        foreach (SafetensorsTensorInfo info in model.Tensors)
        {
            WeightTensor tensor = model.GetTensor(info.Name);
            var values = new float[tensor.Rows * tensor.Columns];
            BlockQuantizer.Dequantize(tensor.Type, tensor.Bytes, values);
            double[] sum = [.. values.Select(v => (double)v)];
            foreach ((IReadOnlyList<LoraFactor> factors, double scale) in adapters)
            {
                foreach (LoraFactor f in factors.Where(f => f.BaseName == info.Name))
                {
                    AddDelta(sum, f, scale);
                }
            }

            st.Add(info.Name, DType.F32, [.. tensor.Shape], PeftAdapterFolder.F32Bytes([.. sum.Select(v => (float)v)]));
        }

        st.WriteTo(Path.Combine(destination, SafetensorsCheckpoint.SingleFileName));
        return destination;
    }

    private static void AddDelta(double[] weight, LoraFactor f, double scale)
    {
        for (int o = 0; o < f.Outputs; o++)
        {
            for (int i = 0; i < f.Inputs; i++)
            {
                double dot = 0;
                for (int k = 0; k < f.Rank; k++)
                {
                    dot += (double)f.B[(o * f.Rank) + k] * f.A[(k * f.Inputs) + i];
                }

                weight[(o * f.Inputs) + i] += scale * dot;
            }
        }
    }
}
