using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Quantization;

namespace LlmFramework.Models.DeepSeek.Tests.TestModels;

/// <summary>Small deepseek2 specs for the writer tests, and reading written tensors back as floats.</summary>
internal static class DeepSeekTestModelFiles
{
    /// <summary>
    /// A 2-layer spec (layer 0 dense, layer 1 MoE with the defaults: 8 experts, 2 per token, 1 shared) plus
    /// <paramref name="extra"/> as "name=value;name=value".
    /// </summary>
    public static TestModelSpec Spec(string extra = "", DType type = DType.F32, int layers = 2) => new()
    {
        Architecture = "deepseek2",
        Dim = 64,
        Layers = layers,
        Heads = 4,
        FeedForward = 96,
        VocabSize = 300,
        ContextLength = 512,
        NormEpsilon = 1e-6f,
        RopeTheta = 5000f,
        DType = type,
        Seed = 3,
        Extra = extra.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('='))
            .ToDictionary(kv => kv[0], kv => kv[1]),
    };

    public static float[] Floats(WeightTensor t)
    {
        var values = new float[t.Rows * t.Columns];
        BlockQuantizer.Dequantize(t.Type, t.Bytes, values);
        return values;
    }
}
