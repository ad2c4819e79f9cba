using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>Hugging Face's LlamaModel ("model."): token embedding, the decoder layers and the final norm.</summary>
public sealed class LlamaBackbone : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _embedding;               // (vocab, dim)
    private readonly ModuleList<LlamaDecoderLayer> _layers;
    private readonly RmsNorm _norm;
    private readonly Tensor _cos;                        // (context, Dh)
    private readonly Tensor _sin;                        // (context, Dh)

    /// <summary>Creates the backbone with GPT-2 style initialisation (N(0, 0.02), residual outputs / sqrt(2 layers)).</summary>
    public LlamaBackbone(LlamaTrainingConfig config)
        : base(nameof(LlamaBackbone))
    {
        const double std = 0.02;
        double outputStd = std / Math.Sqrt(2.0 * config.Layers);
        _embedding = nn.Embedding(config.VocabSize, config.Dim);
        using (no_grad())
        {
            _embedding.weight!.normal_(0, std);
        }

        _layers = new ModuleList<LlamaDecoderLayer>();
        for (int l = 0; l < config.Layers; l++)
        {
            _layers.Add(new LlamaDecoderLayer(config, std, outputStd));
        }

        _norm = new RmsNorm(config.Dim, config.NormEpsilon);
        (_cos, _sin) = RotaryEmbedding.Tables(config.ContextLength, config.HeadDim, config.RopeTheta);
        register_module("embed_tokens", _embedding);
        register_module("layers", _layers);
        register_module("norm", _norm);
        register_buffer("rope_cos", _cos, persistent: false);
        register_buffer("rope_sin", _sin, persistent: false);
    }

    /// <summary>The token embedding table [vocab, dim].</summary>
    public Parameter EmbeddingWeight => _embedding.weight!;

    /// <summary>The decoder layers.</summary>
    public IReadOnlyList<LlamaDecoderLayer> Layers => [.. _layers];

    /// <summary>ids [B, T] (int64) -> hidden states [B, T, dim] after the final norm.</summary>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        Tensor cos = get_buffer("rope_cos")!;
        Tensor sin = get_buffer("rope_sin")!;
        Tensor h = _embedding.forward(ids);
        foreach (LlamaDecoderLayer layer in _layers)
        {
            h = layer.forward(h, cos, sin);
        }

        return _norm.forward(h).MoveToOuterDisposeScope();
    }
}
