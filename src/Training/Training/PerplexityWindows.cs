using LlmFramework.Training.Data;
using static TorchSharp.torch;

namespace LlmFramework.Training.Training;

/// <summary>
/// Perplexity of a token stream under a training model, windowed exactly as the engine's eval-ppl does it: consecutive
/// windows of at most <c>window</c> tokens, each scored as a fresh sequence (every token but the first of a window is
/// predicted), ppl = exp(total NLL / predictions).
/// </summary>
public static class PerplexityWindows
{
    /// <summary>Scores <paramref name="tokens"/>; only the first <paramref name="maxWindows"/> windows when given (a quick estimate).</summary>
    public static (double NegativeLogLikelihood, long Predictions) Score(nn.Module<Tensor, Tensor> model, IReadOnlyList<int> tokens, int window, int batch = 8, int maxWindows = int.MaxValue, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (window < 2)
        {
            throw new ArgumentException($"window must be at least 2 tokens, got {window}");
        }

        IReadOnlyList<ScoredSequence> windows = ScoredSequence.Windows([.. tokens], window);
        return SequenceScorer.Score(model, [.. windows.Take(maxWindows)], pad: 0, batch, progress);
    }
}
