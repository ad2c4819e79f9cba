using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LlmFramework.Training.Model;

/// <summary>
/// A LLaMA causal language model in TorchSharp whose parameter names and shapes are Hugging Face's
/// (model.embed_tokens.weight, model.layers.N.self_attn.q_proj.weight, ..., lm_head.weight), so its state dict saves
/// as a checkpoint the engine's LLaMA family loads unchanged. With tied embeddings lm_head reuses the embedding table
/// and is not saved, as Hugging Face does.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>
{
    private readonly LlamaBackbone _model;
    private readonly Parameter? _head; // (vocab, dim), null when tied

    /// <summary>Creates a randomly initialised model of <paramref name="config"/>'s shape.</summary>
    public LlamaForCausalLM(LlamaTrainingConfig config)
        : base(nameof(LlamaForCausalLM))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _model = new LlamaBackbone(config);
        register_module("model", _model);
        if (!config.TiedEmbeddings)
        {
            _head = new Parameter(normal(0, 0.02, [config.VocabSize, config.Dim]));
            register_module("lm_head", new HeadHolder(_head));
        }
    }

    /// <summary>The model's shape.</summary>
    public LlamaTrainingConfig Config { get; }

    /// <summary>The backbone ("model.").</summary>
    public LlamaBackbone Backbone => _model;

    /// <summary>Every linear layer by its full Hugging Face name without ".weight" ("model.layers.0.self_attn.q_proj").</summary>
    public IEnumerable<(string Name, AdaptableLinear Layer)> Projections =>
        _model.Layers.SelectMany((layer, l) => layer.Projections.Select(p => ($"model.layers.{l}.{p.Name}", p.Layer)));

    /// <summary>ids [B, T] (int64) -> logits [B, T, vocab].</summary>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        Tensor hidden = _model.forward(ids);
        Tensor logits = nn.functional.linear(hidden, _head ?? _model.EmbeddingWeight);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>Mean next-token cross-entropy of <paramref name="ids"/> [B, T] against <paramref name="targets"/> [B, T].</summary>
    public Tensor Loss(Tensor ids, Tensor targets)
    {
        using var scope = NewDisposeScope();
        Tensor logits = forward(ids);
        Tensor loss = nn.functional.cross_entropy(logits.view(-1, Config.VocabSize), targets.view(-1));
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>A module holding the untied output weight, so it is named "lm_head.weight".</summary>
    private sealed class HeadHolder : nn.Module
    {
        public HeadHolder(Parameter weight)
            : base("lm_head")
        {
            register_parameter("weight", weight);
        }
    }
}
