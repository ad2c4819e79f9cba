using LlmFramework.Formats;
using LlmFramework.Abstractions.Models;
using LlmFramework.Abstractions.Tensors;
using LlmFramework.Models.Llama.Config;

namespace LlmFramework.Models.Llama.Loading;

/// <summary>
/// Collects a model's weights by name from a checkpoint and checks each shape against the config, so a mismatch is
/// reported at load time naming the tensor and both shapes. Norm weights that are not F32 are converted to owned F32
/// copies (small: D values each), since the RmsNorm op is only guaranteed for F32 weights on every backend.
/// </summary>
internal sealed class LlamaWeightLoader
{
    private readonly CheckedTensors _tensors;

    /// <param name="path">The checkpoint (GGUF file or HF folder), for errors.</param>
    /// <param name="contains">Whether the checkpoint holds a tensor.</param>
    /// <param name="get">A view of a tensor.</param>
    /// <param name="owned">Where converted copies live (owned by the model).</param>
    public LlamaWeightLoader(string path, Func<string, bool> contains, Func<string, WeightTensor> get, OwnedTensors owned)
    {
        _tensors = new CheckedTensors(path, contains, get, owned);
    }

    public LlamaWeights Load(LlamaConfig c, LlamaTensorNames names)
    {
        foreach (string bias in new[] { "blk.0.attn_q.bias", "model.layers.0.self_attn.q_proj.bias" })
        {
            if (_tensors.Contains(bias))
            {
                throw new ModelLoadException(_tensors.Path, $"has '{bias}': biases on LLaMA projections are not supported (contract 1 has no broadcast add)");
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

    private WeightTensor Matrix(string name, long rows, long columns) => _tensors.Matrix(name, rows, columns);

    private WeightTensor Norm(string name, long width) => _tensors.Vector(name, width);
}
