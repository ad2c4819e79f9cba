using LlmFramework.Training.Model;
using static TorchSharp.torch;

namespace LlmFramework.Training.Training;

/// <summary>
/// Perplexity of a token stream under a training model, windowed exactly as the engine's eval-ppl does it: consecutive
/// windows of at most <c>window</c> tokens, each scored as a fresh sequence (every token but the first of a window is
/// predicted), ppl = exp(total NLL / predictions). Full windows are scored in batches; sums are in double precision.
/// </summary>
public static class PerplexityWindows
{
    /// <summary>Scores <paramref name="tokens"/>; at most <paramref name="maxWindows"/> windows when given (a quick estimate).</summary>
    public static (double NegativeLogLikelihood, long Predictions) Score(nn.Module<Tensor, Tensor> model, IReadOnlyList<int> tokens, int window, int batch = 8, int maxWindows = int.MaxValue, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        if (window < 2)
        {
            throw new ArgumentException($"window must be at least 2 tokens, got {window}");
        }

        var windows = new List<(int Start, int Length)>();
        for (int start = 0; start < tokens.Count - 1 && windows.Count < maxWindows; start += window)
        {
            int length = Math.Min(window, tokens.Count - start);
            if (length < 2)
            {
                break;
            }

            windows.Add((start, length));
        }

        bool wasTraining = model.training;
        model.eval();
        double nll = 0;
        long predictions = 0;
        try
        {
            using IDisposable noGrad = no_grad();
            int done = 0;
            foreach (IGrouping<int, (int Start, int Length)> group in windows.GroupBy(w => w.Length))
            {
                var list = group.ToList();
                for (int i = 0; i < list.Count; i += batch)
                {
                    var chunk = list.GetRange(i, Math.Min(batch, list.Count - i));
                    (double n, long p) = ScoreBatch(model, tokens, chunk, group.Key);
                    nll += n;
                    predictions += p;
                    done += chunk.Count;
                    progress?.Invoke(done, windows.Count);
                }
            }
        }
        finally
        {
            model.train(wasTraining);
        }

        return (nll, predictions);
    }

    private static (double Nll, long Predictions) ScoreBatch(nn.Module<Tensor, Tensor> model, IReadOnlyList<int> tokens, List<(int Start, int Length)> chunk, int length)
    {
        using var scope = NewDisposeScope();
        var ids = new long[chunk.Count * length];
        for (int b = 0; b < chunk.Count; b++)
        {
            for (int i = 0; i < length; i++)
            {
                ids[(b * length) + i] = tokens[chunk[b].Start + i];
            }
        }

        Tensor input = tensor(ids, [chunk.Count, length]);
        Tensor logits = model.forward(input).to_type(ScalarType.Float64);               // (B, L, V)
        Tensor logProbs = nn.functional.log_softmax(logits.narrow(1, 0, length - 1), -1);
        Tensor targets = input.narrow(1, 1, length - 1).unsqueeze(-1);                  // (B, L-1, 1)
        double sum = logProbs.gather(-1, targets).sum().item<double>();
        return (-sum, (long)chunk.Count * (length - 1));
    }
}
