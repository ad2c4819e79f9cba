using TorchSharp;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>The SwiGLU feed-forward block: down(silu(gate(x)) * up(x)), named as Hugging Face's LlamaMLP.</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    private readonly AdaptableLinear _gate; // (ffn, dim)
    private readonly AdaptableLinear _up;   // (ffn, dim)
    private readonly AdaptableLinear _down; // (dim, ffn)

    /// <summary>Creates the three projections; <paramref name="outputStd"/> initialises down_proj.</summary>
    public LlamaMlp(LlamaTrainingConfig config, double std, double outputStd)
        : base(nameof(LlamaMlp))
    {
        _gate = new AdaptableLinear(config.Dim, config.FeedForward, std);
        _up = new AdaptableLinear(config.Dim, config.FeedForward, std);
        _down = new AdaptableLinear(config.FeedForward, config.Dim, outputStd);
        register_module("gate_proj", _gate);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
    }

    /// <summary>The projections by their Hugging Face names.</summary>
    public IEnumerable<(string Name, AdaptableLinear Layer)> Projections =>
        [("gate_proj", _gate), ("up_proj", _up), ("down_proj", _down)];

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor gated = nn.functional.silu(_gate.forward(x)) * _up.forward(x);
        return _down.forward(gated).MoveToOuterDisposeScope();
    }
}
