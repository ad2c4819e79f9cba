using LlmFramework.Abstractions.Execution;
using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tokenization;

namespace LlmFramework.Abstractions.Models;

/// <summary>
/// A loaded checkpoint: weights (memory-mapped where the format allows), tokenizer, chat template, KV-cache
/// layout, and the graph of one engine step. Disposing it releases the weights; graphs built from it become invalid.
/// </summary>
public interface IModel : IDisposable
{
    /// <summary>Facts about the model.</summary>
    ModelInfo Info { get; }

    /// <summary>The tokenizer.</summary>
    ITokenizer Tokenizer { get; }

    /// <summary>The chat template, or null when the checkpoint has none.</summary>
    IChatTemplate? ChatTemplate { get; }

    /// <summary>Sampling defaults from the checkpoint.</summary>
    GenerationDefaults GenerationDefaults { get; }

    /// <summary>What the KV cache stores per token and layer.</summary>
    KvCacheLayout KvCacheLayout { get; }

    /// <summary>
    /// Builds the graph of one step (symbolic in the number of tokens): token ids and positions in, logits of the
    /// output rows out. Called once per model; the engine reuses the graph for every step.
    /// </summary>
    ComputeGraph BuildStepGraph();
}
