using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>One pre-norm decoder layer: x + attn(norm(x)), then + mlp(norm(x)); Hugging Face's LlamaDecoderLayer names.</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly RmsNorm _attentionNorm;
    private readonly LlamaAttention _attention;
    private readonly RmsNorm _mlpNorm;
    private readonly LlamaMlp _mlp;

    /// <summary>Creates the layer.</summary>
    public LlamaDecoderLayer(LlamaTrainingConfig config, double std, double outputStd)
        : base(nameof(LlamaDecoderLayer))
    {
        _attentionNorm = new RmsNorm(config.Dim, config.NormEpsilon);
        _attention = new LlamaAttention(config, std, outputStd);
        _mlpNorm = new RmsNorm(config.Dim, config.NormEpsilon);
        _mlp = new LlamaMlp(config, std, outputStd);
        register_module("input_layernorm", _attentionNorm);
        register_module("self_attn", _attention);
        register_module("post_attention_layernorm", _mlpNorm);
        register_module("mlp", _mlp);
    }

    /// <summary>The linear layers by their Hugging Face names relative to the layer ("self_attn.q_proj", ...).</summary>
    public IEnumerable<(string Name, AdaptableLinear Layer)> Projections =>
        _attention.Projections.Select(p => ("self_attn." + p.Name, p.Layer)).Concat(_mlp.Projections.Select(p => ("mlp." + p.Name, p.Layer)));

    /// <inheritdoc />
    public override Tensor forward(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        Tensor h = x + _attention.forward(_attentionNorm.forward(x), cos, sin);
        Tensor y = h + _mlp.forward(_mlpNorm.forward(h));
        return y.MoveToOuterDisposeScope();
    }
}
