using LlmFramework.Formats;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Models.Llama.Loading;
using LlmFramework.Models.Llama.TestModels;
using LlmFramework.Quantization;

namespace LlmFramework.Models.Llama.Adapters;

/// <summary>
/// Applies LoRA adapters to loaded LLaMA weights. Merged: W' = W + s * B A, computed in F32 from the dequantised base
/// weight and stored as an owned F32 tensor. Unmerged: A and B are kept as owned F32 tensors beside the untouched base
/// weight and the graph adds s * (x A^T) B^T. For GGUF models the q/k rows of the delta (B's rows) are permuted the way
/// llama.cpp's converter permuted the base weights, so both forms of a model take the same adapter.
/// </summary>
internal static class LlamaAdapterApplier
{
    public static LlamaWeights Apply(LlamaWeights weights, LlamaConfig config, bool ggufRowOrder, IReadOnlyList<AdapterSpec> adapters, OwnedTensors owned)
    {
        for (int index = 0; index < adapters.Count; index++)
        {
            AdapterSpec spec = adapters[index];
            LoraAdapter adapter = LoraAdapter.Read(spec.Path);
            var layers = weights.Layers.ToArray();
            foreach (((int layer, LlamaProjection projection), (float[] a, float[] b, int inputs, int outputs)) in adapter.Factors.OrderBy(f => f.Key))
            {
                string where = $"layer {layer} {LoraAdapter.ModuleName(projection)}";
                if (layer >= layers.Length)
                {
                    throw new ModelLoadException(adapter.WeightsPath, $"{where}: the adapter targets layer {layer}, but the model has {layers.Length} layers (0 to {layers.Length - 1})");
                }

                WeightTensor baseWeight = layers[layer].Projection(projection);
                if (baseWeight.Rows != outputs || baseWeight.Columns != inputs)
                {
                    throw new ModelLoadException(adapter.WeightsPath, $"{where}: the adapter maps {inputs} -> {outputs}, the model's weight is [{baseWeight.Rows}, {baseWeight.Columns}] (out, in)");
                }

                float scale = adapter.Scale * spec.Scale;
                int heads = projection == LlamaProjection.Query ? config.HeadCount : config.KvHeadCount;
                bool permute = ggufRowOrder && projection is LlamaProjection.Query or LlamaProjection.Key;
                float[] up = permute ? QkPermutation.ToGgufOrder(b, heads, adapter.Rank) : b;
                string name = $"{baseWeight.Name}+lora{index}";
                layers[layer] = spec.Mode == AdapterMode.Merged
                    ? Set(layers[layer], projection, owned.CreateF32(name, [outputs, inputs], Merge(baseWeight, a, up, adapter.Rank, scale)))
                    : layers[layer] with
                    {
                        Adapters = new Dictionary<LlamaProjection, IReadOnlyList<LowRankDelta>>(layers[layer].Adapters)
                        {
                            [projection] = [.. layers[layer].Adapters.GetValueOrDefault(projection, []), new LowRankDelta(owned.CreateF32(name + ".A", [adapter.Rank, inputs], a), owned.CreateF32(name + ".B", [outputs, adapter.Rank], up), scale)],
                        },
                    };
            }

            weights = weights with { Layers = layers };
        }

        return weights;
    }

    /// <summary>"; LoRA a (merged), b (unmerged x0.5)" for a model description, or "" without adapters.</summary>
    public static string Describe(IReadOnlyList<AdapterSpec> adapters) =>
        adapters.Count == 0 ? "" : "; LoRA " + string.Join(", ", adapters.Select(a => $"{Path.GetFileName(Path.GetFullPath(a.Path).TrimEnd(Path.DirectorySeparatorChar))} ({a.Mode.ToString().ToLowerInvariant()}{(a.Scale == 1f ? "" : $" x{a.Scale}")})"));

    /// <summary>W + scale * B A as F32 (out, in).</summary>
    private static unsafe float[] Merge(WeightTensor baseWeight, float[] a, float[] b, int rank, float scale)
    {
        int outputs = checked((int)baseWeight.Rows), inputs = checked((int)baseWeight.Columns);
        var merged = new float[(long)outputs * inputs];
        BlockQuantizer.Dequantize(baseWeight.Type, new ReadOnlySpan<byte>(baseWeight.Data, checked((int)baseWeight.ByteLength)), merged);
        for (int o = 0; o < outputs; o++)
        {
            Span<float> row = merged.AsSpan(o * inputs, inputs);
            for (int k = 0; k < rank; k++)
            {
                float coefficient = scale * b[(o * rank) + k];
                ReadOnlySpan<float> aRow = a.AsSpan(k * inputs, inputs);
                for (int i = 0; i < inputs; i++)
                {
                    row[i] += coefficient * aRow[i];
                }
            }
        }

        return merged;
    }

    private static LlamaLayerWeights Set(LlamaLayerWeights w, LlamaProjection p, WeightTensor t) => p switch
    {
        LlamaProjection.Query => w with { Query = t },
        LlamaProjection.Key => w with { Key = t },
        LlamaProjection.Value => w with { Value = t },
        LlamaProjection.Output => w with { Output = t },
        LlamaProjection.Gate => w with { Gate = t },
        LlamaProjection.Up => w with { Up = t },
        _ => w with { Down = t },
    };
}
