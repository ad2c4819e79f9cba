using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Models.Llama.Adapters;

/// <summary>
/// One adapter on one projection, kept beside the base weight (unmerged): y = x W^T + Scale * (x A^T) B^T.
/// A and B are F32 tensors owned by the model; for GGUF models B's rows are already in the permuted q/k order.
/// </summary>
/// <param name="A">Down projection, (r, in).</param>
/// <param name="B">Up projection, (out, r).</param>
/// <param name="Scale">alpha / r (or alpha / sqrt(r) with rsLoRA) times the configured scale.</param>
public sealed record LowRankDelta(WeightTensor A, WeightTensor B, float Scale);
