namespace LlmFramework.Engine.Generation;

/// <summary>
/// Log-probabilities for one generated token under the model's distribution (log-softmax of the raw logits, before
/// temperature and truncation): the chosen token's and the most likely alternatives', most likely first.
/// </summary>
/// <param name="TokenId">The chosen token.</param>
/// <param name="Logprob">Its log-probability.</param>
/// <param name="Top">The <see cref="GenerationRequest.TopLogprobs"/> most likely tokens (empty when 0 were asked for).</param>
public sealed record TokenLogprobs(int TokenId, float Logprob, IReadOnlyList<TopLogprob> Top);
