namespace LlmFramework.Engine.Generation;

/// <summary>
/// One streamed piece of a generation: the text completed by the latest token (never half a UTF-8 character, never
/// part of a possible stop string) and, on the last chunk, why generation ended.
/// </summary>
/// <param name="Text">New text (may be empty while a character or a possible stop string is incomplete).</param>
/// <param name="TokenId">The token sampled, or -1 on a final chunk that carries no token.</param>
/// <param name="LogProbability">Log-probability of the token under the sampling distribution.</param>
/// <param name="FinishReason">Set on the last chunk.</param>
/// <param name="PromptTokens">Prompt length.</param>
/// <param name="CompletionTokens">Tokens generated so far.</param>
public sealed record GenerationChunk(string Text, int TokenId, float LogProbability, FinishReason? FinishReason, int PromptTokens, int CompletionTokens)
{
    /// <summary>With <see cref="GenerationRequest.Logprobs"/>: the token's log-probabilities under the model (null on a final chunk without a token).</summary>
    public TokenLogprobs? Logprobs { get; init; }
}
