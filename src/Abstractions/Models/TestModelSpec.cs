using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Abstractions.Models;

/// <summary>
/// Describes a random-weight model for tests and plugin authors (the make-test-model verb). Weights are drawn
/// from a seeded generator and scaled so logits are not flat; the same spec and seed give the same bytes.
/// </summary>
public sealed record TestModelSpec
{
    /// <summary>Architecture (e.g. "llama").</summary>
    public string Architecture { get; init; } = "llama";

    /// <summary>Hidden size.</summary>
    public int Dim { get; init; } = 64;

    /// <summary>Transformer layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Key/value heads (GQA when fewer than <see cref="Heads"/>).</summary>
    public int KvHeads { get; init; } = 4;

    /// <summary>Feed-forward hidden size.</summary>
    public int FeedForward { get; init; } = 128;

    /// <summary>Vocabulary size (at least 259: specials and the 256 byte tokens).</summary>
    public int VocabSize { get; init; } = 512;

    /// <summary>Whether the output projection shares the embedding table.</summary>
    public bool TiedEmbeddings { get; init; }

    /// <summary>RoPE base.</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>RMSNorm epsilon.</summary>
    public float NormEpsilon { get; init; } = 1e-5f;

    /// <summary>Maximum context length.</summary>
    public int ContextLength { get; init; } = 2048;

    /// <summary>Storage type of the 2-D weights (norms stay F32).</summary>
    public DType DType { get; init; } = DType.F32;

    /// <summary>Random seed.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Architecture-specific extras (e.g. DeepSeek's expert counts), by flag name without dashes.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}
