using LlmFramework.Formats;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Config;
using LlmFramework.Quantization;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>
/// Collects a model's weights by name from a checkpoint and checks each shape against the config, so a mismatch is
/// reported at load time naming the tensor and both shapes. Norm weights that are not F32 are converted to owned F32
/// copies (small: D values each), since the RmsNorm op is only guaranteed for F32 weights on every backend.
/// </summary>
internal sealed class LlamaWeightLoader
{
    private readonly string _path;
    private readonly Func<string, bool> _contains;
    private readonly Func<string, WeightTensor> _get;
    private readonly OwnedTensors _owned;

    /// <param name="path">The checkpoint (GGUF file or HF folder), for errors.</param>
    /// <param name="contains">Whether the checkpoint holds a tensor.</param>
    /// <param name="get">A view of a tensor.</param>
    /// <param name="owned">Where converted copies live (owned by the model).</param>
    public LlamaWeightLoader(string path, Func<string, bool> contains, Func<string, WeightTensor> get, OwnedTensors owned)
    {
        _path = path;
        _contains = contains;
        _get = get;
        _owned = owned;
    }

    public LlamaWeights Load(LlamaConfig c, LlamaTensorNames names)
    {
        foreach (string bias in new[] { "blk.0.attn_q.bias", "model.layers.0.self_attn.q_proj.bias" })
        {
            if (_contains(bias))
            {
                throw new ModelLoadException(_path, $"has '{bias}': biases on LLaMA projections are not supported (contract 1 has no broadcast add)");
            }
        }

        long d = c.HiddenSize, v = c.VocabSize, q = c.QueryWidth, kv = c.KvWidth, f = c.IntermediateSize;
        WeightTensor embedding = Matrix(names.TokenEmbedding, v, d);
        var layers = new LlamaLayerWeights[c.LayerCount];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new LlamaLayerWeights
            {
                AttentionNorm = Norm(names.AttentionNorm(l), d),
                Query = Matrix(names.Query(l), q, d),
                Key = Matrix(names.Key(l), kv, d),
                Value = Matrix(names.Value(l), kv, d),
                Output = Matrix(names.AttentionOutput(l), d, q),
                FeedForwardNorm = Norm(names.FeedForwardNorm(l), d),
                Gate = Matrix(names.Gate(l), f, d),
                Up = Matrix(names.Up(l), f, d),
                Down = Matrix(names.Down(l), d, f),
            };
        }

        WeightTensor output = c.TieWordEmbeddings ? embedding : Matrix(names.Output, v, d);
        return new LlamaWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = Norm(names.OutputNorm, d),
            Output = output,
        };
    }

    private WeightTensor Matrix(string name, long rows, long columns)
    {
        WeightTensor t = Get(name);
        if (t.Shape.Count != 2 || t.Shape[0] != rows || t.Shape[1] != columns)
        {
            throw new ModelLoadException(_path, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}] but the config needs [{rows}, {columns}]");
        }

        return t;
    }

    private WeightTensor Norm(string name, long width)
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
            throw new ModelLoadException(_path, $"norm weight '{name}' is {t.Type}; norm weights must be F32, F16 or BF16");
        }

        var values = new float[width];
        BlockQuantizer.Dequantize(t.Type, t.Bytes, values);
        return _owned.CreateF32(name, [width], values);
    }

    private WeightTensor Get(string name)
    {
        if (!_contains(name))
        {
            throw new ModelLoadException(_path, $"tensor '{name}' is missing");
        }

        return _get(name);
    }
}
