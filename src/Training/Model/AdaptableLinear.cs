using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>
/// A bias-free linear layer y = x W^T (parameter "weight", [out, in], as Hugging Face names it) that can carry a LoRA
/// adapter: y = x W^T + (alpha / r) * dropout(x) A^T B^T, with A ("lora_A.weight", [r, in]) and B ("lora_B.weight",
/// [out, r]) named as PEFT names them. B starts at zero, so attaching an adapter does not change the output.
/// </summary>
public sealed class AdaptableLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter _weight; // (out, in)
    private Parameter? _loraA;          // (r, in)
    private Parameter? _loraB;          // (out, r)
    private double _loraScale;
    private double _loraDropout;

    /// <summary>Creates a layer from <paramref name="inFeatures"/> to <paramref name="outFeatures"/>, weights N(0, std^2).</summary>
    public AdaptableLinear(int inFeatures, int outFeatures, double std)
        : base(nameof(AdaptableLinear))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        _weight = new Parameter(normal(0, std, [outFeatures, inFeatures]));
        register_parameter("weight", _weight);
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The base weight [out, in].</summary>
    public Parameter Weight => _weight;

    /// <summary>Whether a LoRA adapter is attached.</summary>
    public bool HasAdapter => _loraA is not null;

    /// <summary>The adapter's A [r, in] and B [out, r], when attached.</summary>
    public (Parameter A, Parameter B)? Adapter => _loraA is null ? null : (_loraA, _loraB!);

    /// <summary>
    /// Attaches a LoRA adapter of rank <paramref name="rank"/>: A ~ Kaiming-uniform (as PEFT initialises it), B = 0,
    /// scale alpha / r. The base weight stops learning.
    /// </summary>
    public void AttachAdapter(int rank, double alpha, double dropout, Generator? generator = null)
    {
        if (_loraA is not null)
        {
            throw new InvalidOperationException("this layer already has an adapter");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        double bound = 1.0 / Math.Sqrt(InFeatures); // kaiming_uniform_(a=sqrt(5)) on a [r, in] matrix
        _loraA = new Parameter((rand([rank, InFeatures], generator: generator) * 2 - 1) * bound);
        _loraB = new Parameter(zeros(OutFeatures, rank));
        register_module("lora_A", new ParameterHolder(_loraA));
        register_module("lora_B", new ParameterHolder(_loraB));
        _loraScale = alpha / rank;
        _loraDropout = dropout;
        _weight.requires_grad = false;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        Tensor y = nn.functional.linear(input, _weight);
        if (_loraA is null)
        {
            return y;
        }

        using Tensor dropped = training && _loraDropout > 0 ? nn.functional.dropout(input, _loraDropout, training: true) : input.alias();
        using Tensor low = nn.functional.linear(dropped, _loraA);
        using Tensor delta = nn.functional.linear(low, _loraB!);
        using Tensor scaled = delta * _loraScale;
        using Tensor old = y;
        return old + scaled;
    }

    /// <summary>A module holding one parameter named "weight", so adapter tensors get PEFT's "lora_A.weight" names.</summary>
    private sealed class ParameterHolder : nn.Module
    {
        public ParameterHolder(Parameter weight)
            : base("lora")
        {
            register_parameter("weight", weight);
        }
    }
}
