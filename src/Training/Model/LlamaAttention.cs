using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>Causal grouped-query self-attention with RoPE, named as Hugging Face's LlamaAttention (q/k/v/o_proj).</summary>
public sealed class LlamaAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly AdaptableLinear _query;  // (Hq*Dh, dim)
    private readonly AdaptableLinear _key;    // (Hkv*Dh, dim)
    private readonly AdaptableLinear _value;  // (Hkv*Dh, dim)
    private readonly AdaptableLinear _output; // (dim, Hq*Dh)
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    /// <summary>Creates the projections; <paramref name="outputStd"/> initialises o_proj (scaled down with depth).</summary>
    public LlamaAttention(LlamaTrainingConfig config, double std, double outputStd)
        : base(nameof(LlamaAttention))
    {
        _heads = config.Heads;
        _kvHeads = config.KvHeads;
        _headDim = config.HeadDim;
        _query = new AdaptableLinear(config.Dim, _heads * _headDim, std);
        _key = new AdaptableLinear(config.Dim, _kvHeads * _headDim, std);
        _value = new AdaptableLinear(config.Dim, _kvHeads * _headDim, std);
        _output = new AdaptableLinear(_heads * _headDim, config.Dim, outputStd);
        register_module("q_proj", _query);
        register_module("k_proj", _key);
        register_module("v_proj", _value);
        register_module("o_proj", _output);
    }

    /// <summary>The projections by their Hugging Face names.</summary>
    public IEnumerable<(string Name, AdaptableLinear Layer)> Projections =>
        [("q_proj", _query), ("k_proj", _key), ("v_proj", _value), ("o_proj", _output)];

    /// <summary>x [B, T, dim] -> [B, T, dim], attending causally within each row of the batch.</summary>
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        Tensor q = _query.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);   // (B, Hq, T, Dh)
        Tensor k = _key.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);   // (B, Hkv, T, Dh)
        Tensor v = _value.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2); // (B, Hkv, T, Dh)
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (_kvHeads != _heads)
        {
            k = k.repeat_interleave(_heads / _kvHeads, 1);
            v = v.repeat_interleave(_heads / _kvHeads, 1);
        }

        Tensor attended = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true); // (B, Hq, T, Dh)
        Tensor merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);
        return _output.forward(merged).MoveToOuterDisposeScope();
    }
}
