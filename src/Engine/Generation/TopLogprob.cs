namespace LlmFramework.Engine.Generation;

/// <summary>A candidate token and its log-probability under the model's distribution (log-softmax of the raw logits).</summary>
/// <param name="TokenId">The token.</param>
/// <param name="Logprob">Its log-probability.</param>
public readonly record struct TopLogprob(int TokenId, float Logprob);
