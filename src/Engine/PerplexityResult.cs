namespace LlmFramework.Engine;

/// <summary>The outcome of <see cref="PerplexityEvaluator.Evaluate"/>.</summary>
/// <param name="Perplexity">exp(mean negative log-likelihood per prediction).</param>
/// <param name="NegativeLogLikelihood">Sum of -ln p over all predictions.</param>
/// <param name="Predictions">Number of predicted tokens.</param>
public sealed record PerplexityResult(double Perplexity, double NegativeLogLikelihood, long Predictions);
