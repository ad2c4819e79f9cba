using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>LLaMA's RMS norm: x / sqrt(mean(x^2) + eps) * weight, with the parameter named "weight" as in Hugging Face.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight; // (dim)
    private readonly double _epsilon;

    /// <summary>Creates a norm over rows of <paramref name="dim"/> values, weight initialised to ones.</summary>
    public RmsNorm(int dim, double epsilon)
        : base(nameof(RmsNorm))
    {
        _epsilon = epsilon;
        _weight = new Parameter(ones(dim));
        register_parameter("weight", _weight);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using Tensor meanSquare = input.pow(2).mean([-1L], keepdim: true);
        using Tensor inverse = (meanSquare + _epsilon).rsqrt();
        return input * inverse * _weight;
    }
}
